-- after de-duplication every (merchant_id, order_id) is one order
select merchant_id, order_id, count(*) as versions
from stg_orders
group by merchant_id, order_id
having count(*) > 1 or merchant_id is null or order_id is null
