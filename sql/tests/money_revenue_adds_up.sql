-- attributed + unattributed revenue = total revenue, per currency: no order is
-- counted for two streams and none is lost
with

orders as (
    select * from int_orders_attributed where is_attributable
),

total as (
    select currency, sum(revenue) as total_revenue from orders group by currency
),

unattributed as (
    select currency, sum(revenue) as unattributed_revenue from orders where stream_id is null group by currency
),

attributed as (
    select orders.currency, sum(orders.revenue) as attributed_revenue
    from stream_kpis
    inner join orders on orders.stream_id = stream_kpis.stream_id
    group by orders.currency
),

per_stream as (
    select sum(revenue) as stream_kpis_revenue from stream_kpis
),

checked as (
    select
        total.currency,
        total.total_revenue,
        coalesce(attributed.attributed_revenue, 0) as attributed_revenue,
        coalesce(unattributed.unattributed_revenue, 0) as unattributed_revenue,
        per_stream.stream_kpis_revenue
    from total
    cross join per_stream
    left join attributed on attributed.currency = total.currency
    left join unattributed on unattributed.currency = total.currency
)

select *
from checked
where attributed_revenue + unattributed_revenue <> total_revenue
    or stream_kpis_revenue <> (select sum(attributed_revenue) from checked)
