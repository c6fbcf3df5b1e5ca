-- payouts has one row per affiliate × period × currency
select affiliate_id, period, currency, count(*) as rows_with_key
from payouts
group by affiliate_id, period, currency
having count(*) > 1 or affiliate_id is null or period is null
