-- one row per redemption, with its drop and status (../docs/reconciliation.md).
--
-- A redemption belongs to the drop with its code (same merchant when the
-- drop's stream names one) whose window starts latest at or before it; if
-- none has started yet, to the earliest upcoming one. Windows are half-open:
-- in window means starts_at <= redeemed_at < ends_at. Status, first match wins:
-- unknown_code (no drop has the code), duplicate (the same merchant order and
-- code seen before), void (order cancelled, refunded in full or reversed),
-- before_window / after_window, over_quantity (rank among the drop's non-void
-- in-window redemptions, by redeemed_at then order_id, beyond quantity_limit),
-- in_window.
with

redemptions as (
    select * from stg_redemptions
),

orders as (
    select * from stg_orders
),

drops as (
    select stg_drops.* exclude (commission_rate), stg_streams.merchant_id, stg_streams.commission_rate
    from stg_drops
    inner join stg_streams on stg_streams.stream_id = stg_drops.stream_id
),

drop_candidates as (
    select
        redemptions.redemption_id,
        drops.drop_id,
        row_number() over (
            partition by redemptions.redemption_id
            order by
                drops.starts_at <= redemptions.redeemed_at desc,
                case when drops.starts_at <= redemptions.redeemed_at then drops.starts_at end desc,
                drops.starts_at,
                drops.drop_id
        ) as drop_rank
    from redemptions
    inner join drops
        on drops.coupon_code = redemptions.coupon_code
        and (drops.merchant_id is null or drops.merchant_id = redemptions.merchant_id)
),

sightings as (
    select
        redemption_id,
        row_number() over (
            partition by merchant_id, order_id, coupon_code
            order by redeemed_at, source_format, import_seq, source_line
        ) as sighting
    from redemptions
),

matched as (
    select
        redemptions.*,
        drops.drop_id,
        drops.stream_id,
        drops.starts_at,
        drops.ends_at,
        drops.quantity_limit,
        drops.bonus_first_n,
        drops.commission_rate,
        sightings.sighting,
        orders.order_id is not null as has_order,
        orders.status as order_status,
        orders.net_revenue,
        orders.refunded,
        orders.commission as commission_reported,
        orders.status in ('cancelled', 'refunded', 'reversed')
            or (orders.refunded > 0 and orders.refunded >= orders.net_revenue) as is_void
    from redemptions
    left join drop_candidates on drop_candidates.redemption_id = redemptions.redemption_id and drop_candidates.drop_rank = 1
    left join drops on drops.drop_id = drop_candidates.drop_id
    left join sightings on sightings.redemption_id = redemptions.redemption_id
    left join orders on orders.merchant_id = redemptions.merchant_id and orders.order_id = redemptions.order_id
),

placed as (
    select
        *,
        case
            when drop_id is null then 'unknown_code'
            when sighting > 1 then 'duplicate'
            when coalesce(is_void, false) then 'void'
            when redeemed_at < starts_at then 'before_window'
            when redeemed_at >= ends_at then 'after_window'
            else 'in_window'
        end as placement
    from matched
),

ranked as (
    select
        *,
        case when placement = 'in_window' then
            row_number() over (partition by drop_id, placement = 'in_window' order by redeemed_at, order_id, redemption_id)
        end as rank_in_window
    from placed
),

reconciled as (
    select
        redemption_id,
        merchant_id,
        order_id,
        coupon_code,
        drop_id,
        stream_id,
        redeemed_at,
        case
            when placement = 'in_window' and rank_in_window > quantity_limit then 'over_quantity'
            else placement
        end as status,
        rank_in_window,
        coalesce(rank_in_window <= bonus_first_n, false) as bonus_eligible,
        net_revenue,
        refunded,
        case
            when placement = 'void' then 0.00::decimal(18, 2)
            else round(commission_rate * net_revenue, 2)::decimal(18, 2)
        end as commission_expected,
        commission_reported,
        order_status,
        has_order,
        source_format
    from ranked
)

select * from reconciled
