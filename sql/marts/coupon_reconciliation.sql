-- one row per coupon redemption, as a merchant books it: which drop it
-- belongs to, its status (docs/reconciliation.md), its rank in the drop's
-- window, whether it earns the first-N bonus, the order's commission expected
-- against reported (from commission_reconciliation: the rate of the order's
-- drop, stream or merchant × net revenue after refunds) with the reason for a
-- gap, the dates the order's statuses were first imported, and the leak
-- signal of the redemption and of its code. The commission columns are set on
-- the first sighting of an order's redemption only: a duplicate row would
-- count the order's commission twice.
with

reconciled as (
    select * from int_redemptions_reconciled
),

commissions as (
    select * from commission_reconciliation
),

leaks as (
    select * from coupon_leaks
),

history as (
    select * from int_order_status_history
),

-- the order's name as the shop shows it (Shopify's #1001), beside its id
orders as (
    select merchant_id, order_id, order_name from stg_orders
),

status_dates as (
    select
        merchant_id,
        order_id,
        min(first_seen_at) filter (where status = 'approved') as approved_first_seen_at,
        min(first_seen_at) filter (where status = 'reversed') as reversed_first_seen_at
    from history
    group by merchant_id, order_id
),

final as (
    select
        reconciled.merchant_id,
        reconciled.order_id,
        orders.order_name,
        reconciled.coupon_code,
        reconciled.drop_id,
        reconciled.stream_id,
        reconciled.redeemed_at,
        reconciled.status,
        reconciled.rank_in_window,
        reconciled.bonus_eligible,
        reconciled.net_revenue,
        case when reconciled.status <> 'duplicate' then commissions.commission_expected end as commission_expected,
        case when reconciled.status <> 'duplicate' then commissions.commission_reported end as commission_reported,
        case when reconciled.status <> 'duplicate' then commissions.commission_gap end as commission_gap,
        case when reconciled.status <> 'duplicate' then commissions.reason end as commission_reason,
        reconciled.refunded,
        reconciled.order_status,
        commissions.stream_id as credited_stream_id,
        status_dates.approved_first_seen_at,
        status_dates.reversed_first_seen_at,
        reconciled.has_click,
        reconciled.leak_signal,
        leaks.is_leaked as code_leaked,
        reconciled.redemption_id
    from reconciled
    left join commissions
        on commissions.merchant_id = reconciled.merchant_id
        and commissions.order_id = reconciled.order_id
    left join leaks on leaks.drop_id = reconciled.drop_id
    left join status_dates
        on status_dates.merchant_id = reconciled.merchant_id
        and status_dates.order_id = reconciled.order_id
    left join orders
        on orders.merchant_id = reconciled.merchant_id
        and orders.order_id = reconciled.order_id
)

select * from final order by merchant_id, redeemed_at, order_id, redemption_id
