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
--
-- materialized: table (read by five marts; computed once per build)
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

-- The drop of a redemption is found without pairing the redemption with
-- every drop of its code: merchants reuse a code week after week, and that
-- pairing grows with the square of the history. Instead the drops of a code
-- lie on time lines: a drop of a stream that names a merchant on that
-- merchant's line, a drop of a stream that names none on the line for any
-- merchant. Each redemption walks both of its lines and picks up the last drop
-- that started at or before it (line_seq orders a line's drops by start, the
-- smaller drop_id last among drops that start together, so that it wins). The
-- rule above then chooses among at most four candidates: the started drop and
-- the first drop of each line. That gives the rule's own answer, because its
-- drop is the latest started one, or, when none has started, the earliest.
code_lines as (
    select
        drop_id,
        coupon_code,
        starts_at,
        merchant_id is null as for_any_merchant,
        coalesce(merchant_id, '') as line_merchant_id,
        row_number() over (
            partition by coupon_code, merchant_id is null, merchant_id
            order by starts_at, drop_id desc
        ) as line_seq,
        row_number() over (
            partition by coupon_code, merchant_id is null, merchant_id
            order by starts_at, drop_id
        ) = 1 as is_line_first
    from drops
    where coupon_code is not null
),

timelines as (
    select coupon_code, for_any_merchant, line_merchant_id, starts_at as at, line_seq, cast(null as varchar) as redemption_id
    from code_lines
    union all
    select coupon_code, false, merchant_id, redeemed_at, cast(null as bigint), redemption_id
    from redemptions
    union all
    select coupon_code, true, '', redeemed_at, cast(null as bigint), redemption_id
    from redemptions
),

last_started as (
    select
        redemption_id,
        coupon_code,
        for_any_merchant,
        line_merchant_id,
        -- drops sort before redemptions at the same instant: a drop that
        -- starts as the order is placed has started
        max(line_seq) over (
            partition by coupon_code, for_any_merchant, line_merchant_id
            order by at, redemption_id is not null
            rows between unbounded preceding and current row
        ) as line_seq
    from timelines
),

drop_candidates as (
    select
        candidates.redemption_id,
        candidates.drop_id,
        row_number() over (
            partition by candidates.redemption_id
            order by
                candidates.starts_at <= candidates.redeemed_at desc,
                case when candidates.starts_at <= candidates.redeemed_at then candidates.starts_at end desc,
                candidates.starts_at,
                candidates.drop_id
        ) as drop_rank
    from (
        select redemptions.redemption_id, redemptions.redeemed_at, code_lines.drop_id, code_lines.starts_at
        from last_started
        inner join code_lines
            on code_lines.coupon_code = last_started.coupon_code
            and code_lines.for_any_merchant = last_started.for_any_merchant
            and code_lines.line_merchant_id = last_started.line_merchant_id
            and code_lines.line_seq = last_started.line_seq
        inner join redemptions on redemptions.redemption_id = last_started.redemption_id
        union all
        select redemptions.redemption_id, redemptions.redeemed_at, code_lines.drop_id, code_lines.starts_at
        from redemptions
        inner join code_lines
            on code_lines.coupon_code = redemptions.coupon_code
            and code_lines.is_line_first
            and (code_lines.for_any_merchant or code_lines.line_merchant_id = redemptions.merchant_id)
    ) as candidates
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
