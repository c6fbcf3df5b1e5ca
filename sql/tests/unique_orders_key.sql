-- after de-duplication every (merchant_id, order_id) is one order: checked on
-- int_orders_attributed, the table the marts read, which has one row per row
-- of stg_orders (so a version stg_orders failed to drop, or a join of the
-- attribution that repeats an order, shows here; re-reading the orders from
-- Parquet through stg_orders would cost the build a second pass over them)
select merchant_id, order_id, count(*) as versions
from int_orders_attributed
group by merchant_id, order_id
having count(*) > 1 or merchant_id is null or order_id is null
