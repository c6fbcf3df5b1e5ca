-- commission_reconciliation has one row per order, each with its keys
select merchant_id, order_id, count(*) as rows_with_key
from commission_reconciliation
group by merchant_id, order_id
having count(*) > 1 or merchant_id is null or order_id is null
