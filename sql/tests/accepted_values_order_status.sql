-- order statuses are the canonical five (stg_orders' statuses, checked on
-- int_orders_attributed, the table with one row per order that the marts read)
select merchant_id, order_id, status
from int_orders_attributed
where status not in ('pending', 'approved', 'refunded', 'reversed', 'cancelled')
