-- one row per reduction of what a creator earns, with its reason
-- (docs/payouts.md § Money by state):
--   after_close   a clawback line of payout_lines: the change was imported
--                 after the period of its obligation closed, so it is taken
--                 back from the payout of the period it was imported in
--                 (payout_period)
--   in_period     a negative commission line: a return or correction row of a
--                 network export (Amazon's returns), counted in its period
--   before_close  an order's commission fell between two imports before its
--                 period closed: it was pending and is withdrawn before it
--                 cleared, so no payout line carries it (in_payout false)
-- amount is the reduction (< 0); amount_before and amount_after what the
-- obligation (the order's commission, the stream's bonus, the buyer's first-N
-- bonus) was worth before and after it.
--
-- reason, first that applies:
--   return              the order is a return or correction row (negative net
--                       revenue)
--   cancellation        the order was cancelled
--   reversal            the merchant or network reversed it (status reversed)
--   refund              refunded in full
--   partial_refund      more of it was refunded
--   revenue_below_tier  a performance bonus: the stream's revenue fell below
--                       the tier (its orders were refunded or reversed)
--   no_longer_first_n   a first-N bonus: the buyer's order became void, or
--                       an earlier buyer's order was counted
--   correction          anything else that lowered the amount (a corrected
--                       net revenue)
with

config as (
    select * from payout_settings
),

lines as (
    select * from payout_lines
),

order_states as (
    select * from int_order_import_states
),

commissions as (
    select * from int_order_commissions
),

codes as (
    select * from int_order_codes
),

imports as (
    select import_seq, imported_at from stg_manifest
),

-- ---- each order's state at each import, beside the one before ----

order_changes as (
    select
        order_states.*,
        lag(order_states.commission) over (
            partition by order_states.merchant_id, order_states.order_id order by order_states.import_seq
        ) as previous_commission,
        lag(order_states.refunded) over (
            partition by order_states.merchant_id, order_states.order_id order by order_states.import_seq
        ) as previous_refunded
    from order_states
),

order_reasons as (
    select
        order_changes.*,
        case
            when order_changes.net_revenue < 0 then 'return'
            when order_changes.status = 'cancelled' then 'cancellation'
            when order_changes.status = 'reversed' then 'reversal'
            when order_changes.status = 'refunded'
                or (order_changes.refunded > 0 and order_changes.refunded >= order_changes.net_revenue) then 'refund'
            when order_changes.refunded > coalesce(order_changes.previous_refunded, 0) then 'partial_refund'
            else 'correction'
        end as reason
    from order_changes
),

-- ---- reductions that are payout lines: clawbacks and negative commission ----

line_history as (
    select
        lines.*,
        regexp_replace(lines.line_id, ':[^:]*$', '') as item,
        coalesce(sum(lines.amount) over (
            partition by regexp_replace(lines.line_id, ':[^:]*$', '')
            order by coalesce(lines.import_seq, -1)
            rows between unbounded preceding and 1 preceding
        ), 0) as amount_before
    from lines
),

line_reversals as (
    select
        line_history.line_id as reversal_id,
        line_history.affiliate_id,
        line_history.currency,
        case when line_history.line_kind = 'clawback' then line_history.checkpoint_at else line_history.earned_at end as reversed_at,
        case
            when line_history.obligation = 'performance_bonus' then 'revenue_below_tier'
            when line_history.obligation = 'first_n_bonus' then 'no_longer_first_n'
            when line_history.obligation = 'commission' then coalesce(
                order_reasons.reason,
                -- a line as of the close: only a return row is negative then
                case when line_order.is_adjustment then 'return' end,
                'correction')
            else 'correction'
        end as reason,
        line_history.amount,
        case when line_history.line_kind = 'clawback' then 'after_close' else 'in_period' end as stage,
        true as in_payout,
        line_history.period as payout_period,
        line_history.source_period,
        line_history.obligation,
        line_history.line_id,
        line_history.stream_id,
        line_history.merchant_id,
        line_history.order_id,
        line_history.drop_id,
        cast(line_history.amount_before as decimal(18, 2)) as amount_before,
        cast(line_history.amount_before + line_history.amount as decimal(18, 2)) as amount_after,
        line_history.detail
    from line_history
    left join order_reasons
        on line_history.obligation = 'commission'
        and order_reasons.merchant_id = line_history.merchant_id
        and order_reasons.order_id = line_history.order_id
        and order_reasons.import_seq = line_history.import_seq
    left join commissions as line_order
        on line_order.merchant_id = line_history.merchant_id
        and line_order.order_id = line_history.order_id
    where line_history.line_kind = 'clawback'
        or (line_history.obligation = 'commission' and line_history.amount < 0)
),

-- ---- commission withdrawn before the order's period closed ----

period_closes as (
    select distinct
        order_reasons.merchant_id,
        order_reasons.order_id,
        strftime(date_trunc('month', order_reasons.ordered_at), '%Y-%m') as source_period,
        cast(date_trunc('month', order_reasons.ordered_at) as timestamp) + interval 1 month + config.payout_close_after as closes_at
    from order_reasons
    cross join config
),

close_seqs as (
    select
        period_closes.*,
        coalesce((select max(imports.import_seq) from imports where imports.imported_at < period_closes.closes_at), 0) as close_seq
    from period_closes
),

withdrawn as (
    select
        'withdrawn:' || order_reasons.merchant_id || ':' || order_reasons.order_id || ':' || order_reasons.import_seq as reversal_id,
        order_reasons.affiliate_id,
        order_reasons.currency,
        order_reasons.imported_at as reversed_at,
        order_reasons.reason,
        cast(order_reasons.commission - order_reasons.previous_commission as decimal(18, 2)) as amount,
        'before_close' as stage,
        false as in_payout,
        cast(null as varchar) as payout_period,
        close_seqs.source_period,
        'commission' as obligation,
        cast(null as varchar) as line_id,
        order_reasons.stream_id,
        order_reasons.merchant_id,
        order_reasons.order_id,
        commissions.drop_id,
        cast(order_reasons.previous_commission as decimal(18, 2)) as amount_before,
        cast(order_reasons.commission as decimal(18, 2)) as amount_after,
        'order ' || coalesce(commissions.order_name, order_reasons.order_id) || ' imported as ' || order_reasons.status
            || ', ' || cast(order_reasons.net_revenue - order_reasons.refunded as decimal(18, 2)) || ' net after refunds, before '
            || close_seqs.source_period || ' closed: commission ' || cast(order_reasons.previous_commission as decimal(18, 2))
            || ' → ' || cast(order_reasons.commission as decimal(18, 2)) as detail
    from order_reasons
    inner join close_seqs
        on close_seqs.merchant_id = order_reasons.merchant_id
        and close_seqs.order_id = order_reasons.order_id
    left join commissions
        on commissions.merchant_id = order_reasons.merchant_id
        and commissions.order_id = order_reasons.order_id
    where order_reasons.stream_id is not null
        and order_reasons.import_seq <= close_seqs.close_seq
        and order_reasons.commission < order_reasons.previous_commission
),

all_reversals as (
    select * from line_reversals
    union all
    select * from withdrawn
),

final as (
    select
        all_reversals.reversal_id,
        all_reversals.affiliate_id,
        all_reversals.currency,
        all_reversals.reversed_at,
        all_reversals.reason,
        all_reversals.amount,
        all_reversals.stage,
        all_reversals.in_payout,
        all_reversals.payout_period,
        all_reversals.source_period,
        all_reversals.obligation,
        all_reversals.line_id,
        all_reversals.stream_id,
        all_reversals.merchant_id,
        all_reversals.order_id,
        commissions.order_name,
        all_reversals.drop_id,
        codes.code,
        all_reversals.amount_before,
        all_reversals.amount_after,
        all_reversals.detail
    from all_reversals
    left join commissions
        on commissions.merchant_id = all_reversals.merchant_id
        and commissions.order_id = all_reversals.order_id
    left join codes
        on codes.merchant_id = all_reversals.merchant_id
        and codes.order_id = all_reversals.order_id
)

select * from final
order by affiliate_id, currency, reversed_at, reversal_id
