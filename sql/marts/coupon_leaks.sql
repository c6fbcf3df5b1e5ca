-- one row per drop (a code as one drop uses it): how many of its redemptions
-- carry a leak signal (int_redemptions_reconciled, docs/reconciliation.md
-- § Leaked codes) and whether the code is flagged leaked. Counted redemptions
-- are those coupon_reconciliation places in, before or after the window (not
-- void, duplicate or unknown_code). is_leaked: leak_redemptions >=
-- reconciliation.leak_min_redemptions and leak_share >=
-- reconciliation.leak_share. The money columns sum the leak-signal
-- redemptions: the discount they took, their net revenue after refunds and the
-- commission expected on them (commission_reconciliation).
with

drops as (
    select * from stg_drops
),

streams as (
    select * from stg_streams
),

redemptions as (
    select * from int_redemptions_reconciled
),

commissions as (
    select * from commission_reconciliation
),

config as (
    select * from reconciliation_settings
),

counted as (
    select
        redemptions.*,
        commissions.commission_expected
    from redemptions
    left join commissions
        on commissions.merchant_id = redemptions.merchant_id
        and commissions.order_id = redemptions.order_id
    where redemptions.drop_id is not null
        and redemptions.status in ('in_window', 'over_quantity', 'before_window', 'after_window')
),

per_drop as (
    select
        drop_id,
        count(*) as redemptions,
        count(*) filter (where leak_signal = 'before_window') as before_window,
        count(*) filter (where leak_signal = 'long_after_window') as long_after_window,
        count(*) filter (where leak_signal = 'no_click') as no_click,
        count(*) filter (where has_click is null) as click_unknown,
        count(*) filter (where leak_signal is not null) as leak_redemptions,
        min(redeemed_at) filter (where leak_signal is not null) as first_leak_at,
        sum(discount_amount) filter (where leak_signal is not null) as leak_discount,
        sum(net_revenue - refunded) filter (where leak_signal is not null) as leak_net_revenue,
        sum(commission_expected) filter (where leak_signal is not null) as leak_commission_expected
    from counted
    group by drop_id
),

final as (
    select
        drops.drop_id,
        drops.stream_id,
        streams.merchant_id,
        streams.affiliate_id,
        drops.coupon_code,
        drops.starts_at,
        drops.ends_at,
        drops.ends_at + config.leak_after as leak_after_at,
        coalesce(per_drop.redemptions, 0) as redemptions,
        coalesce(per_drop.before_window, 0) as before_window,
        coalesce(per_drop.long_after_window, 0) as long_after_window,
        coalesce(per_drop.no_click, 0) as no_click,
        coalesce(per_drop.click_unknown, 0) as click_unknown,
        coalesce(per_drop.leak_redemptions, 0) as leak_redemptions,
        cast(case
            when per_drop.redemptions > 0 then per_drop.leak_redemptions / per_drop.redemptions
        end as double) as leak_share,
        per_drop.first_leak_at,
        cast(coalesce(per_drop.leak_discount, 0) as decimal(18, 2)) as leak_discount,
        cast(coalesce(per_drop.leak_net_revenue, 0) as decimal(18, 2)) as leak_net_revenue,
        cast(coalesce(per_drop.leak_commission_expected, 0) as decimal(18, 2)) as leak_commission_expected,
        coalesce(
            per_drop.leak_redemptions >= config.leak_min_redemptions
                and per_drop.leak_redemptions / per_drop.redemptions >= config.leak_share,
            false
        ) as is_leaked
    from drops
    inner join streams on streams.stream_id = drops.stream_id
    cross join config
    left join per_drop on per_drop.drop_id = drops.drop_id
)

select * from final order by starts_at, drop_id
