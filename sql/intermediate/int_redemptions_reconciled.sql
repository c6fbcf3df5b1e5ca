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
--
-- Leak signal (docs/reconciliation.md § Leaked codes), for a redemption that
-- counts (not void, duplicate or of an unknown code) and whose order is not
-- credited by attribution to another stream (a code shared by two streams is
-- used legitimately through the other one), first that applies:
--   before_window      redeemed before the drop's window opened
--   long_after_window  redeemed at or after ends_at + reconciliation.leak_after
--   no_click           the order's export records tracking ids (a network
--                      report: some order of the file has one) but this order
--                      carries none of the drop's stream (a drop's or link's
--                      tracking id): the buyer did not come through its links
-- has_click is NULL when the export records no tracking ids (a shop's own
-- order export): whether the buyer clicked cannot be known there.
with

redemptions as (
    select * from stg_redemptions
),

orders as (
    select * from stg_orders
),

drops as (
    select stg_drops.* exclude (commission_rate), stg_streams.merchant_id
    from stg_drops
    inner join stg_streams on stg_streams.stream_id = stg_drops.stream_id
),

attributed as (
    select merchant_id, order_id, matched_stream_id from int_orders_attributed
),

links as (
    select * from stg_links
),

config as (
    select * from reconciliation_settings
),

stream_tracking_ids as (
    select stream_id, lower(tracking_id) as tracking_id from stg_drops where tracking_id is not null
    union
    select stream_id, lower(tracking_id) as tracking_id from links where tracking_id is not null
),

tracking_files as (
    select distinct source_sha256 from stg_order_versions where tracking_id is not null
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
        sightings.sighting,
        orders.order_id is not null as has_order,
        orders.status as order_status,
        orders.net_revenue,
        orders.refunded,
        orders.tracking_id as order_tracking_id,
        orders.source_sha256 as order_source_sha256,
        attributed.matched_stream_id as credited_stream_id,
        orders.status in ('cancelled', 'refunded', 'reversed')
            or (orders.refunded > 0 and orders.refunded >= orders.net_revenue) as is_void
    from redemptions
    left join drop_candidates on drop_candidates.redemption_id = redemptions.redemption_id and drop_candidates.drop_rank = 1
    left join drops on drops.drop_id = drop_candidates.drop_id
    left join sightings on sightings.redemption_id = redemptions.redemption_id
    left join orders on orders.merchant_id = redemptions.merchant_id and orders.order_id = redemptions.order_id
    left join attributed on attributed.merchant_id = redemptions.merchant_id and attributed.order_id = redemptions.order_id
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

clicked as (
    select
        ranked.*,
        case
            when tracking_files.source_sha256 is null then null
            else exists (
                select 1 from stream_tracking_ids
                where stream_tracking_ids.stream_id = ranked.stream_id
                    and stream_tracking_ids.tracking_id = lower(trim(ranked.order_tracking_id))
            )
        end as has_click
    from ranked
    left join tracking_files on tracking_files.source_sha256 = ranked.order_source_sha256
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
        discount_amount,
        order_status,
        has_order,
        credited_stream_id,
        has_click,
        case
            when placement not in ('in_window', 'before_window', 'after_window') then null
            when credited_stream_id is not null and credited_stream_id <> stream_id then null
            when placement = 'before_window' then 'before_window'
            when placement = 'after_window' and redeemed_at >= ends_at + config.leak_after then 'long_after_window'
            when has_click = false then 'no_click'
        end as leak_signal,
        source_format
    from clicked
    cross join config
)

select * from reconciled
