-- one row per coupon redemption, as a merchant books it: which drop it
-- belongs to, its status (docs/reconciliation.md), its rank in the drop's
-- window, whether it earns the first-N bonus, and commission expected
-- (the stream's rate × net revenue) against reported.
with

reconciled as (
    select * from int_redemptions_reconciled
),

final as (
    select
        merchant_id,
        order_id,
        coupon_code,
        drop_id,
        stream_id,
        redeemed_at,
        status,
        rank_in_window,
        bonus_eligible,
        net_revenue,
        commission_expected,
        commission_reported,
        (commission_reported - commission_expected)::decimal(18, 2) as commission_gap,
        refunded,
        order_status,
        redemption_id
    from reconciled
)

select * from final order by merchant_id, redeemed_at, order_id, redemption_id
