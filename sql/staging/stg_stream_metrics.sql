-- one row per stream per sample time and granularity, counters as exported
-- (interval or cumulative, see counter_mode); the newest import of a sample
-- wins. Granularity 'event' (one row per event of a live-event feed,
-- docs/formats.md § live-events) is the exception: several events may share
-- an instant, so every event row of the newest import that has that instant
-- is kept.
--
-- materialized: table (stream_kpis reads it, and int_stream_metrics_deltas,
-- a view, for stream_kpis and the minutes; its windows run once per build)
with source as (
    select * from read_parquet('lake/stream_metrics/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

ranked as (
    select
        *,
        case
            when granularity = 'event'
                then dense_rank() over (partition by stream_id, ts, granularity order by import_seq desc)
            else row_number() over (partition by stream_id, ts, coalesce(granularity, 'sample') order by import_seq desc, source_line desc)
        end as version_rank
    from source
)

select
    stream_id,
    ts::timestamp as ts,
    viewers,
    likes,
    comments,
    shares,
    follows,
    product_clicks,
    gifts,
    coalesce(counter_mode, 'interval') as counter_mode,
    -- session and sales facts of platform exports (docs/formats.md § tiktok-live);
    -- a 'session' row carries totals only, never a per-minute sample
    coalesce(granularity, 'sample') as granularity,
    duration_s,
    unique_viewers,
    peak_viewers,
    avg_viewers,
    views,
    product_impressions,
    orders,
    revenue,
    upper(currency) as currency,
    total_likes,
    total_comments,
    total_shares,
    total_follows,
    total_product_clicks
from ranked
where version_rank = 1
