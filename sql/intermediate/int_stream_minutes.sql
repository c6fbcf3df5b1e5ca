-- one row per stream per minute of the stream (docs/metrics.md § Per minute).
--
-- Minute m covers [started_at + m min, started_at + (m+1) min), m = 0 …
-- ceil(duration) − 1; the last one is cut at ended_at when the duration is not
-- a whole number of minutes (duration_s < 60 there), so the minutes add up to
-- clicks_during, orders_during and revenue_during of stream_kpis.
--
-- How each feed reaches a minute (the stream's own minutes, never clock
-- minutes):
--   samples and live events (granularity 'sample', 'event'): an instant, in
--     the minute that holds it, when started_at <= ts < ended_at;
--   per-minute intervals (granularity 'minute': YouTube livestreamPosition,
--     TikTok per-minute JSON, generic rows marked 'minute'): the interval
--     [ts, ts + 1 min), whole, in the stream minute that holds its middle
--     (ts + 30 s), when that is one of the stream's minutes;
--   chat messages: an instant, as samples;
--   session rows: never (they hold a whole session's totals).
--
-- viewers: mean of the viewer values that reach the minute (NULL without any).
-- likes, comments, shares: counts in the minute, NULL when no source of the
-- stream reports that counter (no row of the stream carries a value for it:
-- unknown is not 0), 0 for a minute without a value in a stream that reports
-- it. comments fall back to the audience's chat messages (kind comment or
-- question, not the host's) when no metrics source reports comments but the
-- stream has chat. clicks: counted clicks; orders, revenue: attributed orders
-- placed in the minute (a return in the minute of the sale it reverses; an
-- order known only by its day in none).
with

streams as (
    select * from stg_streams
),

metrics as (
    select * from int_stream_metrics_deltas
),

chat as (
    select * from stg_chat
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
        streams.ended_at,
        cast(minute_offset.minute as integer) as minute,
        streams.started_at + to_minutes(minute_offset.minute) as minute_at,
        least(60.0, date_diff('microsecond', streams.started_at, streams.ended_at) / 1000000.0 - 60 * minute_offset.minute) as duration_s
    from streams
    -- at most 10080 minutes (7 days) per stream, by construction: import
    -- rejects longer streams (import.max_stream_length, at most 168h), and a
    -- row that got past it must not make a list no memory limit can spill
    cross join lateral (
        select unnest(range(0, least(10080, cast(ceil(date_diff('microsecond', streams.started_at, streams.ended_at) / 60000000.0) as bigint)))) as minute
    ) as minute_offset
),

-- which counters each stream's sources report at all
stream_counters as (
    select
        stream_id,
        bool_or(likes is not null) as reports_likes,
        bool_or(comments is not null) as reports_comments,
        bool_or(shares is not null) as reports_shares
    from metrics
    group by stream_id
),

streams_with_chat as (
    select distinct stream_id from chat
),

metrics_placed as (
    select
        metrics.*,
        streams.started_at,
        streams.ended_at,
        cast(floor(date_diff(
            'microsecond',
            streams.started_at,
            case when metrics.granularity = 'minute' then metrics.ts + interval 30 second else metrics.ts end
        ) / 60000000) as integer) as minute
    from metrics
    inner join streams on streams.stream_id = metrics.stream_id
),

metrics_per_minute as (
    select
        metrics_placed.stream_id,
        metrics_placed.minute,
        avg(metrics_placed.viewers) as viewers,
        sum(metrics_placed.likes) as likes,
        sum(metrics_placed.comments) as comments,
        sum(metrics_placed.shares) as shares
    from metrics_placed
    inner join spine on spine.stream_id = metrics_placed.stream_id and spine.minute = metrics_placed.minute
    where metrics_placed.granularity = 'minute'
        or (metrics_placed.ts >= metrics_placed.started_at and metrics_placed.ts < metrics_placed.ended_at)
    group by all
),

chat_per_minute as (
    select
        chat.stream_id,
        cast(floor(date_diff('microsecond', streams.started_at, chat.ts) / 60000000) as integer) as minute,
        count(*) filter (where coalesce(chat.kind, 'comment') in ('comment', 'question') and not coalesce(chat.is_host, false)) as comments
    from chat
    inner join streams on streams.stream_id = chat.stream_id
    where chat.ts >= streams.started_at and chat.ts < streams.ended_at
    group by all
),

clicks_per_minute as (
    select stream_id, minute, sum(clicks) as clicks
    from int_stream_clicks
    where is_during_stream
    group by all
),

orders_per_minute as (
    select
        orders.stream_id,
        cast(floor(date_diff('microsecond', orders.stream_started_at, orders.placed_at) / 60000000) as integer) as minute,
        count(*) filter (where not orders.is_adjustment) as orders,
        sum(orders.revenue) as revenue
    from orders
    -- placed_at: the order's time, a return's that of the sale it reverses;
    -- an order of a whole day has none and is in no minute
    where orders.is_during_stream and orders.placed_at is not null
    group by all
),

drop_minutes as (
    select distinct spine.stream_id, spine.minute
    from spine
    inner join drops
        on drops.stream_id = spine.stream_id
        and drops.starts_at < least(spine.minute_at + interval 1 minute, spine.ended_at)
        and drops.ends_at > spine.minute_at
),

minutes as (
    select
        spine.stream_id,
        spine.minute,
        spine.minute_at,
        spine.duration_s,
        metrics_per_minute.viewers,
        case when stream_counters.reports_likes then coalesce(metrics_per_minute.likes, 0) end as likes,
        case
            when stream_counters.reports_comments then coalesce(metrics_per_minute.comments, 0)
            when streams_with_chat.stream_id is not null then coalesce(chat_per_minute.comments, 0)
        end as comments,
        case when stream_counters.reports_shares then coalesce(metrics_per_minute.shares, 0) end as shares,
        coalesce(clicks_per_minute.clicks, 0) as clicks,
        coalesce(orders_per_minute.orders, 0) as orders,
        cast(coalesce(orders_per_minute.revenue, 0) as decimal(18, 2)) as revenue,
        drop_minutes.minute is not null as in_drop
    from spine
    left join stream_counters on stream_counters.stream_id = spine.stream_id
    left join streams_with_chat on streams_with_chat.stream_id = spine.stream_id
    left join metrics_per_minute on metrics_per_minute.stream_id = spine.stream_id and metrics_per_minute.minute = spine.minute
    left join chat_per_minute on chat_per_minute.stream_id = spine.stream_id and chat_per_minute.minute = spine.minute
    left join clicks_per_minute on clicks_per_minute.stream_id = spine.stream_id and clicks_per_minute.minute = spine.minute
    left join orders_per_minute on orders_per_minute.stream_id = spine.stream_id and orders_per_minute.minute = spine.minute
    left join drop_minutes on drop_minutes.stream_id = spine.stream_id and drop_minutes.minute = spine.minute
)

select * from minutes
