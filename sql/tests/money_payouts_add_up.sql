-- a payout's total is the sum of its kinds, and each kind the sum of its payout_lines
with

lines as (
    select
        affiliate_id, period, currency,
        coalesce(sum(amount) filter (where line_kind = 'flat_fee'), 0) as flat_fees,
        coalesce(sum(amount) filter (where line_kind = 'commission'), 0) as commission,
        coalesce(sum(amount) filter (where line_kind = 'performance_bonus'), 0) as performance_bonus,
        coalesce(sum(amount) filter (where line_kind = 'first_n_bonus'), 0) as first_n_bonus,
        coalesce(sum(amount) filter (where line_kind = 'clawback'), 0) as clawback
    from payout_lines
    group by affiliate_id, period, currency
)

select payouts.affiliate_id, payouts.period, payouts.currency, payouts.total, lines.*
from payouts
full outer join lines
    on lines.affiliate_id = payouts.affiliate_id
    and lines.period = payouts.period
    and lines.currency is not distinct from payouts.currency
where payouts.affiliate_id is null or lines.affiliate_id is null
    or payouts.total <> payouts.flat_fees + payouts.commission + payouts.performance_bonus + payouts.first_n_bonus + payouts.clawback
    or payouts.flat_fees <> lines.flat_fees
    or payouts.commission <> lines.commission
    or payouts.performance_bonus <> lines.performance_bonus
    or payouts.first_n_bonus <> lines.first_n_bonus
    or payouts.clawback <> lines.clawback
