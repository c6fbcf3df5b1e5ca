-- one row per stream and minute of the stream, and one for after its end: the counted
-- clicks of the stream inside its attribution interval
-- [started_at, ended_at + attribution_window) (docs/metrics.md § Clicks).
--
--   is_during_stream  ts < ended_at (the stream was live)
--   minute            during the stream, the stream's own minute that holds
--                     the click: floor((ts - started_at) / 1 min); NULL after
--                     the end (one row for the whole attribution window)
--   clicks            sum of click_count (an aggregated row counts its bucket)
--
-- stream_kpis sums it per stream (clicks, clicks_during) and
-- int_stream_minutes per minute (the minutes during the stream), so the two
-- agree by construction and neither reads every click again.
--
-- A stream's rows depend only on its own clicks, its own row of stg_streams
-- and the attribution window: a nightly build computes again only the streams
-- whose clicks it re-classified or whose row changed (models/incremental.go).
--
-- materialized: table (one pass over the clicks; extended per stream at night)
with

streams as (
    select stream_id, started_at, ended_at from stg_streams
),

config as (
    select attribution_window from attribution_settings
),

clicks as (
    select stream_id, ts, click_count
    from int_clicks_classified
    where is_counted and stream_id is not null
),

stream_clicks as (
    select
        clicks.stream_id,
        clicks.ts < streams.ended_at as is_during_stream,
        case
            when clicks.ts < streams.ended_at
                then cast(floor(date_diff('microsecond', streams.started_at, clicks.ts) / 60000000) as integer)
        end as minute,
        sum(clicks.click_count) as clicks
    from clicks
    inner join streams on streams.stream_id = clicks.stream_id
    cross join config
    where clicks.ts >= streams.started_at
        and clicks.ts < streams.ended_at + config.attribution_window
    group by all
)

select * from stream_clicks
