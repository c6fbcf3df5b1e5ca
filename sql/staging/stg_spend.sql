-- one row per exported spend row (ad sets of a campaign stay separate); for
-- each platform, campaign and day only the newest import's rows count
with source as (
    select * from read_parquet('lake/spend/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

newest_import as (
    select
        *,
        max(import_seq) over (partition by platform, campaign, spend_date) as newest_seq
    from source
)

select
    source_sha256 || ':' || source_line as spend_row_id,
    spend_date,
    amount,
    upper(currency) as currency,
    platform,
    campaign,
    stream_id as explicit_stream_id
from newest_import
where import_seq = newest_seq
