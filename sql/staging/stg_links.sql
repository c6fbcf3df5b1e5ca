-- one row per tracked link; the newest import of a link wins
with source as (
    select * from read_parquet('lake/links/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

ranked as (
    select
        *,
        row_number() over (partition by link_id order by import_seq desc, source_line desc) as version_rank
    from source
)

select link_id, stream_id, tracking_id, target_url
from ranked
where version_rank = 1
