-- payout_lines has one row per line_id; kinds and obligations are those of docs/payouts.md; a clawback is negative
select line_id, line_kind, obligation, amount
from payout_lines
qualify count(*) over (partition by line_id) > 1
    or line_id is null or affiliate_id is null or period is null or amount is null or amount = 0
    or line_kind not in ('flat_fee', 'commission', 'performance_bonus', 'first_n_bonus', 'clawback')
    or obligation not in ('flat_fee', 'commission', 'performance_bonus', 'first_n_bonus')
    or (line_kind = 'clawback') <> (amount < 0 and period <> source_period)
