-- one row per click: the stream it belongs to and whether it counts.
--
-- stream: the stream named by the stream parameter (clicks.stream_param,
-- default utm_content) when that stream exists, else the stream of its link.
-- duplicate: same visitor_key and link (link_id, else the URL) less than
-- click_settings.duplicate_window_us after the previous *counted* click of that
-- pair. Bots are never counted and never start a window. Aggregated rows
-- (e.g. Bitly buckets) carry no visitor and are neither bots nor duplicates.
-- The duplicates are found in int_click_duplicates.
--
-- Every stg_clicks column the classification reads is kept (utm_stream_id
-- among them): a nightly build re-classifies an earlier click from its row
-- here when a stream or link it names arrives (models/incremental.go).
--
-- materialized: table (read by several marts; computed once per build)
with

clicks as (
    select * from stg_clicks
),

streams as (
    select stream_id from stg_streams
),

links as (
    select link_id, stream_id from stg_links
),

resolved as (
    select
        clicks.*,
        coalesce(utm_stream.stream_id, links.stream_id) as stream_id
    from clicks
    left join streams as utm_stream on utm_stream.stream_id = clicks.utm_stream_id
    left join links on links.link_id = clicks.link_id
),

duplicates as (
    select click_id from int_click_duplicates
),

classified as (
    select
        resolved.click_id,
        resolved.ts,
        resolved.stream_id,
        resolved.utm_stream_id,
        resolved.link_id,
        resolved.url,
        resolved.visitor_key,
        resolved.is_bot,
        resolved.bot_reason,
        resolved.is_aggregated,
        resolved.click_count,
        duplicates.click_id is not null as is_duplicate,
        not resolved.is_bot and duplicates.click_id is null as is_counted
    from resolved
    left join duplicates on duplicates.click_id = resolved.click_id
)

select * from classified
