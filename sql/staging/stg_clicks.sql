-- one row per click (or per aggregated bucket of clicks, is_aggregated);
-- the newest import of a click id wins
with source as (
    select * from read_parquet('lake/clicks/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

-- which row of each click id is the newest: ranked on the few columns that
-- decide it, not on whole rows, then the chosen rows are read again. Sorting
-- ten million whole clicks needs them all in memory at once (DuckDB cannot
-- spill that window), this needs a sliver of them and runs under a memory
-- limit. (import_seq, source_line) names one row: each imported file has
-- its own import_seq.
newest as (
    select click_id, import_seq, source_line
    from (
        select
            click_id,
            import_seq,
            source_line,
            row_number() over (partition by click_id order by import_seq desc, source_line desc) as version_rank
        from source
    ) as versions
    where version_rank = 1
)

select
    source.click_id,
    source.ts::timestamp as ts,
    source.link_id,
    source.url,
    source.utm_source,
    source.utm_medium,
    source.utm_campaign,
    source.utm_content,
    source.utm_term,
    source.stream_id as utm_stream_id,
    source.visitor_key,
    coalesce(source.is_bot, false) as is_bot,
    source.bot_reason,
    source.country,
    source.device,
    source.referrer_host,
    coalesce(source.is_aggregated, false) as is_aggregated,
    coalesce(source.click_count, 1) as click_count
from source
inner join newest
    on newest.click_id = source.click_id
    and newest.import_seq = source.import_seq
    and newest.source_line = source.source_line
