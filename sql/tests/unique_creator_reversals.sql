-- creator_reversals has one row per reversal_id, and each reduces an amount
select reversal_id, count(*) as rows_with_key, min(amount) as amount
from creator_reversals
group by reversal_id
having count(*) > 1 or reversal_id is null or min(amount) >= 0 or max(amount) >= 0
