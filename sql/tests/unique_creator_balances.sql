-- creator_balances has one row per affiliate × currency
select affiliate_id, currency, count(*) as rows_with_key
from creator_balances
group by affiliate_id, currency
having count(*) > 1 or affiliate_id is null
