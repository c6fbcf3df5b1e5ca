-- a stream's revenue adds up orders of one currency only (the stream's);
-- mixed currencies would need a conversion postlive does not do
select orders.stream_id, stream_kpis.currency as stream_currency, orders.currency as order_currency, count(*) as orders
from int_orders_attributed as orders
inner join stream_kpis on stream_kpis.stream_id = orders.stream_id
where orders.is_attributable and orders.currency <> stream_kpis.currency
group by all
