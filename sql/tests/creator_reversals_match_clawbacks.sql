-- every clawback line of payout_lines is one reversal after the close in
-- creator_reversals, for the same amount, and every reversal that a payout
-- line carries is such a line (a clawback or a negative commission line)
select
    coalesce(lines.line_id, reversals.line_id, reversals.reversal_id) as line_id,
    lines.line_kind,
    lines.amount as line_amount,
    reversals.stage,
    reversals.amount as reversal_amount
from (
    select * from payout_lines
    where line_kind = 'clawback' or (obligation = 'commission' and amount < 0)
) as lines
full outer join (
    select * from creator_reversals where in_payout
) as reversals on reversals.line_id = lines.line_id
where lines.line_id is null
    or reversals.reversal_id is null
    or lines.amount <> reversals.amount
    or (lines.line_kind = 'clawback') <> (reversals.stage = 'after_close')
    or reversals.amount >= 0
