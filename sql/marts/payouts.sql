-- one row per creator (affiliate) × payout period × currency: what the
-- period's payout_lines add up to, by line kind (docs/payouts.md).
--   period             UTC calendar month, '2026-11'
--   closes_at          period end + payouts.close_after; until then the
--                      period's numbers are provisional
--   flat_fees, commission, performance_bonus, first_n_bonus
--                      Σ lines of that kind (late lines of a closed period's
--                      obligations included)
--   clawback           Σ clawback lines (≤ 0): reductions imported after the
--                      close of the period an obligation belongs to
--   total              Σ of all of them
--   orders             orders with a commission line in the period
--   streams            streams with a line in the period
with

lines as (
    select * from payout_lines
),

config as (
    select * from payout_settings
),

totals as (
    select
        affiliate_id,
        period,
        currency,
        cast(coalesce(sum(amount) filter (where line_kind = 'flat_fee'), 0) as decimal(18, 2)) as flat_fees,
        cast(coalesce(sum(amount) filter (where line_kind = 'commission'), 0) as decimal(18, 2)) as commission,
        cast(coalesce(sum(amount) filter (where line_kind = 'performance_bonus'), 0) as decimal(18, 2)) as performance_bonus,
        cast(coalesce(sum(amount) filter (where line_kind = 'first_n_bonus'), 0) as decimal(18, 2)) as first_n_bonus,
        cast(coalesce(sum(amount) filter (where line_kind = 'clawback'), 0) as decimal(18, 2)) as clawback,
        cast(sum(amount) as decimal(18, 2)) as total,
        count(*) as lines,
        count(distinct merchant_id || ':' || order_id) filter (where line_kind = 'commission') as orders,
        count(distinct stream_id) as streams
    from lines
    group by affiliate_id, period, currency
),

final as (
    select
        totals.affiliate_id,
        totals.period,
        totals.currency,
        strptime(totals.period || '-01', '%Y-%m-%d') as period_start,
        strptime(totals.period || '-01', '%Y-%m-%d') + interval 1 month as period_end,
        strptime(totals.period || '-01', '%Y-%m-%d') + interval 1 month + config.payout_close_after as closes_at,
        totals.flat_fees,
        totals.commission,
        totals.performance_bonus,
        totals.first_n_bonus,
        totals.clawback,
        totals.total,
        totals.lines,
        totals.orders,
        totals.streams
    from totals
    cross join config
)

select * from final order by period, affiliate_id, currency
