-- coupon_reconciliation has one row per redemption, each with its keys
select redemption_id, merchant_id, order_id, coupon_code, count(*) as rows_with_id
from coupon_reconciliation
group by all
having count(*) > 1 or redemption_id is null or merchant_id is null or order_id is null or coupon_code is null
