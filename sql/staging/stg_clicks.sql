-- one row per click (or per aggregated bucket of clicks, is_aggregated);
-- the newest import of a click id wins
with source as (
    select * from read_parquet('lake/clicks/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

ranked as (
    select
        *,
        row_number() over (partition by click_id order by import_seq desc, source_line desc) as version_rank
    from source
)

select
    click_id,
    ts::timestamp as ts,
    link_id,
    url,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_content,
    utm_term,
    stream_id as utm_stream_id,
    visitor_key,
    coalesce(is_bot, false) as is_bot,
    bot_reason,
    country,
    device,
    referrer_host,
    coalesce(is_aggregated, false) as is_aggregated,
    coalesce(click_count, 1) as click_count
from ranked
where version_rank = 1
