-- order statuses are the canonical five
select merchant_id, order_id, status
from stg_orders
where status not in ('pending', 'approved', 'refunded', 'reversed', 'cancelled')
