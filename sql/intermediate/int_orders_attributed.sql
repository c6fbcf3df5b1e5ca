-- one row per merchant order, with the stream it is attributed to (if any).
--
-- An order is attributable when its status is pending or approved. It matches
-- a stream by coupon (its code = a drop's code of that stream) or else by
-- tracking id (= a drop's or link's tracking id of that stream), of the same
-- merchant when the stream names one, and only if the time it was placed lies
-- in [started_at, ended_at + attribution window). A coupon match beats a
-- tracking match; among several streams the latest started_at wins.
--
-- Orders of a whole day (ordered_until set: the export gives only a calendar
-- day, Amazon Fee-Orders) were placed somewhere in the local day
-- [ordered_at, ordered_until): such an order matches a stream whose
-- attribution interval overlaps that day (the latest stream of the day
-- wins, as above), and whether it came during or after the stream is
-- unknown (is_during_stream NULL), never guessed.
--
-- A row with negative net revenue (an Amazon return, a CJ correction) is an
-- adjustment: it reduces revenue but is not an order. It belongs to the
-- stream of the sale it reverses, found on the vendor's keys (sale_key: the
-- tracking id and ASIN for Amazon, the order id for CJ) — the latest sale
-- of that key placed at or before the adjustment — whenever the adjustment
-- was processed; its own date does not decide. An adjustment whose sale is
-- not in the lake, or that has no key, reduces no stream and is listed in
-- order_adjustments (adjustment_match).
-- matched_stream_id is the stream the same rules pick whatever the order's
-- status (a reversed order keeps the stream it was credited to, for
-- commission reconciliation); stream_id is set only for attributable orders.
--
-- materialized: table (read by several marts; computed once per build)
with

orders as (
    select
        *,
        ordered_until is not null as is_day_grained,
        -- the first and last UTC day the order may have been placed on
        date_trunc('day', ordered_at) as first_day,
        date_trunc('day', coalesce(ordered_until - interval 1 microsecond, ordered_at)) as last_day,
        net_revenue < 0 as is_adjustment
    from stg_orders
),

-- sales and adjustments are attributed in two steps: a sale by its own time,
-- an adjustment through the sale it reverses
sales as (
    select * from orders where not is_adjustment
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
    from sales as orders
    inner join code_days
        on code_days.coupon_code = orders.coupon_code
        and code_days.day between orders.first_day and orders.last_day
    where (code_days.merchant_id is null or code_days.merchant_id = orders.merchant_id)
        and coalesce(orders.ordered_until, orders.ordered_at + interval 1 microsecond) > code_days.started_at
        and orders.ordered_at < code_days.attributable_until
),

tracking_matches as (
    select orders.merchant_id, orders.order_id, tracking_days.stream_id, tracking_days.started_at, 2 as match_priority, 'tracking_id' as matched_by
    from sales as orders
    inner join tracking_days
        on tracking_days.tracking_id = lower(trim(orders.tracking_id))
        and tracking_days.day between orders.first_day and orders.last_day
    where (tracking_days.merchant_id is null or tracking_days.merchant_id = orders.merchant_id)
        and coalesce(orders.ordered_until, orders.ordered_at + interval 1 microsecond) > tracking_days.started_at
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

sale_streams as (
    select
        sales.merchant_id,
        sales.order_id,
        sales.sale_key,
        sales.ordered_at,
        sales.ordered_until,
        sales.status in ('pending', 'approved') as is_attributable,
        ranked_matches.stream_id,
        ranked_matches.matched_by,
        streams.started_at as stream_started_at,
        streams.ended_at as stream_ended_at,
        -- during the stream: placed before it ended; unknown (NULL) for an
        -- order of a whole day that overlaps the end
        case
            when ranked_matches.stream_id is null then null
            when sales.ordered_until is null then sales.ordered_at < streams.ended_at
            when sales.ordered_until <= streams.ended_at then true
            when sales.ordered_at >= streams.ended_at then false
        end as is_during_stream,
        -- the instant the sale reaches the stream's minutes (NULL: unknown)
        case when sales.ordered_until is null then sales.ordered_at end as placed_at
    from sales
    left join ranked_matches
        on ranked_matches.merchant_id = sales.merchant_id
        and ranked_matches.order_id = sales.order_id
        and ranked_matches.match_rank = 1
    left join streams on streams.stream_id = ranked_matches.stream_id
),

-- the sale an adjustment reverses: the latest sale of the same merchant and
-- sale_key placed at or before the adjustment (then the larger order id)
adjustment_sales as (
    select
        adjustments.merchant_id,
        adjustments.order_id,
        sale_streams.order_id as original_order_id,
        sale_streams.is_attributable as original_attributable,
        sale_streams.stream_id,
        sale_streams.matched_by,
        sale_streams.stream_started_at,
        sale_streams.stream_ended_at,
        sale_streams.is_during_stream,
        sale_streams.placed_at,
        row_number() over (
            partition by adjustments.merchant_id, adjustments.order_id
            order by sale_streams.ordered_at desc, sale_streams.order_id desc
        ) as sale_rank
    from orders as adjustments
    inner join sale_streams
        on sale_streams.merchant_id = adjustments.merchant_id
        and sale_streams.sale_key = adjustments.sale_key
        and sale_streams.ordered_at <= coalesce(adjustments.ordered_until - interval 1 microsecond, adjustments.ordered_at)
    where adjustments.is_adjustment
),

placed as (
    select
        orders.*,
        case when orders.is_adjustment then adjustment_sales.original_order_id end as original_order_id,
        case
            when not orders.is_adjustment then null
            when orders.sale_key is null then 'no_sale_key'
            when adjustment_sales.original_order_id is null then 'no_sale'
            when adjustment_sales.stream_id is null or not adjustment_sales.original_attributable then 'sale_without_stream'
            else 'stream'
        end as adjustment_match,
        case when orders.is_adjustment then adjustment_sales.stream_id else sale_streams.stream_id end as any_stream_id,
        case when orders.is_adjustment then adjustment_sales.matched_by else sale_streams.matched_by end as any_matched_by,
        case when orders.is_adjustment then adjustment_sales.stream_started_at else sale_streams.stream_started_at end as any_started_at,
        case when orders.is_adjustment then adjustment_sales.stream_ended_at else sale_streams.stream_ended_at end as any_ended_at,
        case when orders.is_adjustment then adjustment_sales.is_during_stream else sale_streams.is_during_stream end as any_during,
        case when orders.is_adjustment then adjustment_sales.placed_at else sale_streams.placed_at end as any_placed_at,
        -- an adjustment counts for a stream only when the sale it reverses does
        orders.status in ('pending', 'approved')
            and (not orders.is_adjustment or coalesce(adjustment_sales.original_attributable, false)) as credited
    from orders
    left join sale_streams
        on sale_streams.merchant_id = orders.merchant_id
        and sale_streams.order_id = orders.order_id
    left join adjustment_sales
        on adjustment_sales.merchant_id = orders.merchant_id
        and adjustment_sales.order_id = orders.order_id
        and adjustment_sales.sale_rank = 1
),

attributed as (
    select
        placed.merchant_id,
        placed.order_id,
        placed.order_name,
        placed.ordered_at,
        placed.ordered_until,
        placed.is_day_grained,
        placed.status,
        placed.currency,
        placed.net_revenue,
        placed.refunded,
        cast((placed.net_revenue - placed.refunded) as decimal(18, 2)) as revenue,
        placed.discount,
        placed.items,
        placed.coupon_code,
        placed.tracking_id,
        placed.customer_key,
        coalesce(placed.is_new_customer, first_orders.is_first_order) as is_new_customer,
        placed.commission,
        placed.status in ('pending', 'approved') as is_attributable,
        placed.is_adjustment,
        placed.sale_key,
        placed.original_order_id,
        placed.adjustment_match,
        case when placed.credited then placed.any_stream_id end as stream_id,
        case when placed.credited then placed.any_matched_by end as matched_by,
        case when placed.credited then placed.any_started_at end as stream_started_at,
        case when placed.credited then placed.any_ended_at end as stream_ended_at,
        case when placed.credited and placed.any_stream_id is not null then placed.any_during else false end as is_during_stream,
        case when placed.credited and placed.any_stream_id is not null then placed.any_placed_at end as placed_at,
        placed.any_stream_id as matched_stream_id,
        placed.any_matched_by as matched_stream_by,
        placed.source_format
    from placed
    left join first_orders on first_orders.merchant_id = placed.merchant_id and first_orders.order_id = placed.order_id
)

select * from attributed
