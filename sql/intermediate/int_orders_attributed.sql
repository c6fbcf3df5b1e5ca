-- one row per merchant order, with the stream it is attributed to (if any).
--
-- An order is attributable when its status is pending or approved. It matches
-- a stream by coupon (its code = a drop's code of that stream) or else by
-- tracking id (= a drop's or link's tracking id of that stream), of the same
-- merchant when the stream names one, and only if ordered_at lies in
-- [started_at, ended_at + attribution window). A coupon match beats a
-- tracking match; among several streams the latest started_at wins.
-- A row with negative net revenue (an Amazon return, a CJ correction) is an
-- adjustment: it reduces revenue but is not an order.
-- matched_stream_id is the stream the same rules pick whatever the order's
-- status (a reversed order keeps the stream it was credited to, for
-- commission reconciliation); stream_id is set only for attributable orders.
--
-- materialized: table (read by several marts; computed once per build)
with

orders as (
    select * from stg_orders
),

streams as (
    select * from stg_streams
),

drops as (
    select * from stg_drops
),

links as (
    select * from stg_links
),

attribution as (
    select attribution_window from settings
),

first_orders as (
    select
        merchant_id,
        order_id,
        row_number() over (partition by merchant_id, customer_key order by ordered_at, order_id) = 1 as is_first_order
    from orders
    where customer_key is not null
),

stream_codes as (
    select distinct stream_id, coupon_code from drops where coupon_code is not null
),

stream_tracking_ids as (
    select stream_id, tracking_id from drops where tracking_id is not null
    union
    select stream_id, tracking_id from links where tracking_id is not null
),

coupon_matches as (
    select orders.merchant_id, orders.order_id, streams.stream_id, streams.started_at, 1 as match_priority, 'coupon' as matched_by
    from orders
    inner join stream_codes on stream_codes.coupon_code = orders.coupon_code
    inner join streams on streams.stream_id = stream_codes.stream_id
    cross join attribution
    where (streams.merchant_id is null or streams.merchant_id = orders.merchant_id)
        and orders.ordered_at >= streams.started_at
        and orders.ordered_at < streams.ended_at + attribution.attribution_window
),

tracking_matches as (
    select orders.merchant_id, orders.order_id, streams.stream_id, streams.started_at, 2 as match_priority, 'tracking_id' as matched_by
    from orders
    inner join stream_tracking_ids on lower(stream_tracking_ids.tracking_id) = lower(trim(orders.tracking_id))
    inner join streams on streams.stream_id = stream_tracking_ids.stream_id
    cross join attribution
    where (streams.merchant_id is null or streams.merchant_id = orders.merchant_id)
        and orders.ordered_at >= streams.started_at
        and orders.ordered_at < streams.ended_at + attribution.attribution_window
),

ranked_matches as (
    select
        *,
        row_number() over (
            partition by merchant_id, order_id
            order by match_priority, started_at desc, stream_id
        ) as match_rank
    from (select * from coupon_matches union all select * from tracking_matches)
),

attributed as (
    select
        orders.merchant_id,
        orders.order_id,
        orders.order_name,
        orders.ordered_at,
        orders.status,
        orders.currency,
        orders.net_revenue,
        orders.refunded,
        cast((orders.net_revenue - orders.refunded) as decimal(18, 2)) as revenue,
        orders.discount,
        orders.items,
        orders.coupon_code,
        orders.tracking_id,
        orders.customer_key,
        coalesce(orders.is_new_customer, first_orders.is_first_order) as is_new_customer,
        orders.commission,
        orders.status in ('pending', 'approved') as is_attributable,
        orders.net_revenue < 0 as is_adjustment,
        case when orders.status in ('pending', 'approved') then ranked_matches.stream_id end as stream_id,
        case when orders.status in ('pending', 'approved') then ranked_matches.matched_by end as matched_by,
        case when orders.status in ('pending', 'approved') then streams.started_at end as stream_started_at,
        case when orders.status in ('pending', 'approved') then streams.ended_at end as stream_ended_at,
        orders.status in ('pending', 'approved')
            and ranked_matches.stream_id is not null
            and orders.ordered_at < streams.ended_at as is_during_stream,
        ranked_matches.stream_id as matched_stream_id,
        ranked_matches.matched_by as matched_stream_by,
        orders.source_format
    from orders
    left join ranked_matches
        on ranked_matches.merchant_id = orders.merchant_id
        and ranked_matches.order_id = orders.order_id
        and ranked_matches.match_rank = 1
    left join streams on streams.stream_id = ranked_matches.stream_id
    left join first_orders on first_orders.merchant_id = orders.merchant_id and first_orders.order_id = orders.order_id
)

select * from attributed
