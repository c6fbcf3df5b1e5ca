-- one row per stream per sample time, counters as exported (interval or
-- cumulative, see counter_mode); the newest import of a sample wins
with source as (
    select * from read_parquet('lake/stream_metrics/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

ranked as (
    select
        *,
        row_number() over (partition by stream_id, ts order by import_seq desc, source_line desc) as version_rank
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
    coalesce(counter_mode, 'interval') as counter_mode
from ranked
where version_rank = 1
