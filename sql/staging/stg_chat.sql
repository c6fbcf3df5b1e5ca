-- one row per chat message; the newest import of a message wins
with source as (
    select * from read_parquet('lake/chat/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

ranked as (
    select
        *,
        row_number() over (partition by stream_id, ts, seq order by import_seq desc, source_line desc) as version_rank
    from source
)

select
    stream_id,
    ts::timestamp as ts,
    seq,
    kind,
    author_key,
    text,
    coalesce(is_host, kind = 'host') as is_host
from ranked
where version_rank = 1
