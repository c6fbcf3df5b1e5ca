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
    select attribution_window from attribution_settings
),

first_orders as (
    select
        merchant_id,
        order_id,
        row_number() over (partition by merchant_id, customer_key order by ordered_at, order_id) = 1 as is_first_order
    from orders
    where customer_key is not null
),

-- the days each stream's attribution interval [started_at, ended_at +
-- window) touches. An order meets only the streams of its code or tracking id
-- whose interval touches the order's day, not every stream that ever used the
-- code: merchants reuse codes week after week, and pairing each order with all
-- of them would grow with the square of the history.
stream_days as (
    select
        streams.stream_id,
        streams.merchant_id,
        streams.started_at,
        streams.ended_at + attribution.attribution_window as attributable_until,
        -- at most 7 days of stream (import.max_stream_length is at most
        -- 168h) plus the window, by construction: a row past that bound
        -- must not expand into a list no memory limit can spill
        unnest(range(
            date_trunc('day', streams.started_at),
            least(streams.ended_at, streams.started_at + interval 7 day) + attribution.attribution_window,
            interval 1 day
        )) as day
    from streams
    cross join attribution
),

stream_codes as (
    select distinct stream_id, coupon_code from drops where coupon_code is not null
),

stream_tracking_ids as (
    select stream_id, lower(tracking_id) as tracking_id from drops where tracking_id is not null
    union
    select stream_id, lower(tracking_id) as tracking_id from links where tracking_id is not null
),

code_days as (
    select stream_codes.coupon_code, stream_days.*
    from stream_codes
    inner join stream_days on stream_days.stream_id = stream_codes.stream_id
),

tracking_days as (
    select stream_tracking_ids.tracking_id, stream_days.*
    from stream_tracking_ids
    inner join stream_days on stream_days.stream_id = stream_tracking_ids.stream_id
),

coupon_matches as (
    select orders.merchant_id, orders.order_id, code_days.stream_id, code_days.started_at, 1 as match_priority, 'coupon' as matched_by
    from orders
    inner join code_days
        on code_days.coupon_code = orders.coupon_code
        and code_days.day = date_trunc('day', orders.ordered_at)
    where (code_days.merchant_id is null or code_days.merchant_id = orders.merchant_id)
        and orders.ordered_at >= code_days.started_at
        and orders.ordered_at < code_days.attributable_until
),

tracking_matches as (
    select orders.merchant_id, orders.order_id, tracking_days.stream_id, tracking_days.started_at, 2 as match_priority, 'tracking_id' as matched_by
    from orders
    inner join tracking_days
        on tracking_days.tracking_id = lower(trim(orders.tracking_id))
        and tracking_days.day = date_trunc('day', orders.ordered_at)
    where (tracking_days.merchant_id is null or tracking_days.merchant_id = orders.merchant_id)
        and orders.ordered_at >= tracking_days.started_at
        and orders.ordered_at < tracking_days.attributable_until
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
