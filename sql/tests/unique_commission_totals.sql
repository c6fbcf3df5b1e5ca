-- commission_totals has one row per affiliate × merchant × currency
select affiliate_id, merchant_id, currency, count(*) as rows_with_key
from commission_totals
group by affiliate_id, merchant_id, currency
having count(*) > 1 or merchant_id is null or currency is null
