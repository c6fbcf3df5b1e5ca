-- one row per stream per minute of the stream: minute m covers
-- [started_at + m min, started_at + (m+1) min). Viewers are the mean of the
-- concurrent-viewer samples in the minute; likes, comments and shares the
-- counts in it (0 when the stream has metrics but none fell in the minute,
-- NULL when it has no metrics at all); clicks the counted clicks and orders
-- and revenue the attributed orders that fall in the minute.
with

streams as (
    select * from stg_streams
),

metrics as (
    select * from int_stream_metrics_deltas
),

clicks as (
    select * from int_clicks_classified where is_counted and stream_id is not null
),

orders as (
    select * from int_orders_attributed where is_attributable and stream_id is not null
),

drops as (
    select * from stg_drops
),

spine as (
    select
        streams.stream_id,
        streams.started_at,
        cast(minute_offset.minute as integer) as minute,
        streams.started_at + to_minutes(minute_offset.minute) as minute_at
    from streams
    cross join lateral (
        select unnest(range(0, cast(ceil(date_diff('second', streams.started_at, streams.ended_at) / 60.0) as bigint))) as minute
    ) as minute_offset
),

streams_with_metrics as (
    select distinct stream_id from metrics
),

metrics_per_minute as (
    select
        metrics.stream_id,
        cast(floor(date_diff('microsecond', streams.started_at, metrics.ts) / 60000000) as integer) as minute,
        avg(metrics.viewers) as viewers,
        sum(metrics.likes) as likes,
        sum(metrics.comments) as comments,
        sum(metrics.shares) as shares
    from metrics
    inner join streams on streams.stream_id = metrics.stream_id
    where metrics.ts >= streams.started_at and metrics.ts < streams.ended_at
    group by all
),

clicks_per_minute as (
    select
        clicks.stream_id,
        cast(floor(date_diff('microsecond', streams.started_at, clicks.ts) / 60000000) as integer) as minute,
        sum(clicks.click_count) as clicks
    from clicks
    inner join streams on streams.stream_id = clicks.stream_id
    where clicks.ts >= streams.started_at and clicks.ts < streams.ended_at
    group by all
),

orders_per_minute as (
    select
        orders.stream_id,
        cast(floor(date_diff('microsecond', orders.stream_started_at, orders.ordered_at) / 60000000) as integer) as minute,
        count(*) filter (where not orders.is_adjustment) as orders,
        sum(orders.revenue) as revenue
    from orders
    where orders.ordered_at < orders.stream_ended_at
    group by all
),

drop_minutes as (
    select distinct spine.stream_id, spine.minute
    from spine
    inner join drops
        on drops.stream_id = spine.stream_id
        and drops.starts_at < spine.minute_at + interval 1 minute
        and drops.ends_at > spine.minute_at
),

minutes as (
    select
        spine.stream_id,
        spine.minute,
        spine.minute_at,
        metrics_per_minute.viewers,
        case when streams_with_metrics.stream_id is not null then coalesce(metrics_per_minute.likes, 0) end as likes,
        case when streams_with_metrics.stream_id is not null then coalesce(metrics_per_minute.comments, 0) end as comments,
        case when streams_with_metrics.stream_id is not null then coalesce(metrics_per_minute.shares, 0) end as shares,
        coalesce(clicks_per_minute.clicks, 0) as clicks,
        coalesce(orders_per_minute.orders, 0) as orders,
        cast(coalesce(orders_per_minute.revenue, 0) as decimal(18, 2)) as revenue,
        drop_minutes.minute is not null as in_drop
    from spine
    left join streams_with_metrics on streams_with_metrics.stream_id = spine.stream_id
    left join metrics_per_minute on metrics_per_minute.stream_id = spine.stream_id and metrics_per_minute.minute = spine.minute
    left join clicks_per_minute on clicks_per_minute.stream_id = spine.stream_id and clicks_per_minute.minute = spine.minute
    left join orders_per_minute on orders_per_minute.stream_id = spine.stream_id and orders_per_minute.minute = spine.minute
    left join drop_minutes on drop_minutes.stream_id = spine.stream_id and drop_minutes.minute = spine.minute
)

select * from minutes
