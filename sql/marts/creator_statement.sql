-- one row per payout line and recorded payment of it (line_id, payment_id):
-- a creator's money by state (docs/payouts.md § Money by state). A line a
-- recorded payment covered has a row per payment for the amount it paid
-- (payment_id set) and, when the line is worth more or less today, a row
-- without payment_id for the difference; a line no payment covered has one
-- row without payment_id. A recorded payment of a line that no longer exists
-- gets a row for what it paid and one for as much to recover, so the rows of
-- a line always add up to its payout_lines amount (0 for a line gone).
--
-- state, as of as_of (the data's time: its newest import or recorded
-- payment, so the same data gives the same mart):
--   paid      a payment the operator recorded (postlive payouts --mark-paid,
--             payouts-paid.csv) covered it; paid_at is the day it was sent
--   approved  not paid, and due (clears_at <= as_of): awaiting payout
--   pending   not due yet: it clears at clears_at; until then a refund,
--             cancellation or reversal simply takes it away
--             (creator_reversals, before_close)
-- clears_at: earnings clear when the payout period they belong to closes
-- (its end + payouts.close_after); a deduction (a clawback or return line,
-- negative, with is_reversal and reversal_reason) is due as soon as it is
-- known (creator_reversals.reversed_at): it is taken from the next payout, not
-- held until its period closes.
-- code is the order's code (int_order_codes); order_status the order's
-- status in its newest import.
with

config as (
    select * from payout_settings
),

lines as (
    select * from payout_lines
),

payments as (
    select * from payout_payments
),

reversals as (
    select * from creator_reversals
),

commissions as (
    select * from int_order_commissions
),

orders as (
    select * from stg_orders
),

codes as (
    select * from int_order_codes
),

data_as_of as (
    select * from int_statement_as_of
),

-- ---- portions: what recorded payments covered, and the rest ----

covered as (
    select
        line_id,
        min(affiliate_id) as affiliate_id,
        min(currency) as currency,
        min(period) as period,
        sum(amount) as covered
    from payments
    group by line_id
),

paid_portions as (
    select
        payments.line_id,
        payments.payment_id,
        payments.affiliate_id,
        payments.currency,
        payments.period,
        payments.amount,
        payments.paid_on as paid_at,
        payments.reference as payment_reference
    from payments
),

unpaid_portions as (
    select
        lines.line_id,
        cast(null as varchar) as payment_id,
        lines.affiliate_id,
        lines.currency,
        lines.period,
        lines.amount - coalesce(covered.covered, 0) as amount,
        cast(null as timestamp) as paid_at,
        cast(null as varchar) as payment_reference
    from lines
    left join covered on covered.line_id = lines.line_id
    where lines.amount - coalesce(covered.covered, 0) <> 0
    union all
    -- paid for a line that no longer exists: as much to recover
    select
        covered.line_id,
        cast(null as varchar) as payment_id,
        covered.affiliate_id,
        covered.currency,
        covered.period,
        -covered.covered as amount,
        cast(null as timestamp) as paid_at,
        cast(null as varchar) as payment_reference
    from covered
    where covered.covered <> 0
        and not exists (select 1 from lines where lines.line_id = covered.line_id)
),

portions as (
    select * from paid_portions
    union all
    select * from unpaid_portions
),

-- ---- each portion with its line, its state and what earned it ----

described as (
    select
        coalesce(lines.affiliate_id, portions.affiliate_id) as affiliate_id,
        coalesce(lines.currency, portions.currency) as currency,
        coalesce(lines.period, portions.period) as period,
        cast(portions.amount as decimal(18, 2)) as amount,
        case
            when reversals.reversal_id is not null then reversals.reversed_at
            else cast(strptime(coalesce(lines.period, portions.period) || '-01', '%Y-%m-%d') as timestamp)
                + interval 1 month + config.payout_close_after
        end as clears_at,
        portions.paid_at,
        portions.payment_id,
        portions.payment_reference,
        portions.line_id,
        lines.line_kind,
        lines.obligation,
        lines.source_period,
        lines.earned_at,
        reversals.reversal_id is not null as is_reversal,
        reversals.reason as reversal_reason,
        lines.stream_id,
        lines.campaign_id,
        lines.merchant_id,
        lines.order_id,
        commissions.order_name,
        orders.status as order_status,
        lines.drop_id,
        codes.code,
        lines.rate,
        lines.basis,
        case
            when lines.line_id is null then 'paid for line ' || portions.line_id || ', which no longer exists'
            else lines.detail
        end as detail
    from portions
    cross join config
    left join lines on lines.line_id = portions.line_id
    left join reversals on reversals.line_id = portions.line_id
    left join commissions
        on commissions.merchant_id = lines.merchant_id
        and commissions.order_id = lines.order_id
    left join orders
        on orders.merchant_id = lines.merchant_id
        and orders.order_id = lines.order_id
    left join codes
        on codes.merchant_id = lines.merchant_id
        and codes.order_id = lines.order_id
),

final as (
    select
        described.affiliate_id,
        described.currency,
        described.period,
        case
            when described.payment_id is not null then 'paid'
            when described.clears_at <= data_as_of.as_of then 'approved'
            else 'pending'
        end as state,
        described.amount,
        described.clears_at,
        described.paid_at,
        described.payment_id,
        described.payment_reference,
        described.line_id,
        described.line_kind,
        described.obligation,
        described.source_period,
        described.earned_at,
        described.is_reversal,
        described.reversal_reason,
        described.stream_id,
        described.campaign_id,
        described.merchant_id,
        described.order_id,
        described.order_name,
        described.order_status,
        described.drop_id,
        described.code,
        described.rate,
        described.basis,
        described.detail,
        data_as_of.as_of
    from described
    cross join data_as_of
)

select * from final
order by affiliate_id, currency, period, earned_at, line_id, payment_id nulls last
