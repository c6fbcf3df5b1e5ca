-- one row per stream; the newest import of a stream wins
with source as (
    select * from read_parquet('lake/streams/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

ranked as (
    select
        *,
        row_number() over (partition by stream_id order by import_seq desc, source_line desc) as version_rank
    from source
)

select
    stream_id,
    affiliate_id,
    started_at::timestamp as started_at,
    ended_at::timestamp as ended_at,
    merchant_id,
    lower(platform) as platform,
    title,
    timezone,
    unique_viewers,
    peak_viewers,
    followers,
    experiment_id,
    variant,
    tested_variable,
    flat_fee,
    commission_rate,
    upper(currency) as currency,
    nullif(trim(campaign_id), '') as campaign_id,
    import_seq
from ranked
where version_rank = 1
