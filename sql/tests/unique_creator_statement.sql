-- creator_statement has one row per payout line × recorded payment (one
-- without a payment at most)
select line_id, payment_id, count(*) as rows_with_key
from creator_statement
group by line_id, payment_id
having count(*) > 1 or line_id is null or bool_or(affiliate_id is null)
