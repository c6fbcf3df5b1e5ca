-- one row per click: the stream it belongs to and whether it counts.
--
-- stream: the stream named by the stream parameter (clicks.stream_param,
-- default utm_content) when that stream exists, else the stream of its link.
-- duplicate: same visitor_key and link (link_id, else the URL) less than
-- settings.duplicate_window_us after the previous *counted* click of that
-- pair. Bots are never counted and never start a window. Aggregated rows
-- (e.g. Bitly buckets) carry no visitor and are neither bots nor duplicates.
--
-- materialized: table (read by several marts; computed once per build)
with recursive

clicks as (
    select * from stg_clicks
),

streams as (
    select stream_id from stg_streams
),

links as (
    select link_id, stream_id from stg_links
),

window_setting as (
    select duplicate_window_us from settings
),

resolved as (
    select
        clicks.*,
        coalesce(utm_stream.stream_id, links.stream_id) as stream_id
    from clicks
    left join streams as utm_stream on utm_stream.stream_id = clicks.utm_stream_id
    left join links on links.link_id = clicks.link_id
),

candidates as (
    select
        click_id,
        visitor_key,
        coalesce(link_id, url) as link_key,
        ts,
        epoch_us(ts) as ts_us
    from resolved
    where not is_bot and not is_aggregated and visitor_key is not null
),

-- a click at least one window after the previous candidate of its pair is
-- counted for sure and starts a new burst; only inside bursts (runs of
-- clicks less than one window apart) can clicks be duplicates, and those
-- need the walk below. One pass over all candidates finds the gaps to both
-- neighbours; the few clicks that have a close neighbour are the bursts.
neighbours as (
    select
        *,
        ts_us - lag(ts_us) over pair_order as gap_before_us,
        lead(ts_us) over pair_order - ts_us as gap_after_us
    from candidates
    window pair_order as (partition by visitor_key, link_key order by ts, click_id)
),

in_bursts as (
    select *
    from neighbours
    where gap_before_us < (select duplicate_window_us from window_setting)
       or gap_after_us < (select duplicate_window_us from window_setting)
),

bursts as (
    select
        in_bursts.*,
        sum(case when gap_before_us is null or gap_before_us >= (select duplicate_window_us from window_setting) then 1 else 0 end)
            over (partition by visitor_key, link_key order by ts, click_id rows unbounded preceding) as burst_no
    from in_bursts
),

-- materialised so that the recursive step below joins this small table
-- instead of re-running the windows at every step
burst_members as materialized (
    select
        click_id,
        ts_us,
        dense_rank() over (order by visitor_key, link_key, burst_no) as burst_id,
        row_number() over (partition by visitor_key, link_key, burst_no order by ts, click_id) as burst_pos
    from bursts
),

-- walk each burst in order, remembering the last counted click
walk as (
    select burst_id, burst_pos, click_id, false as is_duplicate, ts_us as last_counted_us
    from burst_members
    where burst_pos = 1

    union all

    select
        m.burst_id,
        m.burst_pos,
        m.click_id,
        m.ts_us - w.last_counted_us < (select duplicate_window_us from window_setting) as is_duplicate,
        case
            when m.ts_us - w.last_counted_us < (select duplicate_window_us from window_setting) then w.last_counted_us
            else m.ts_us
        end as last_counted_us
    from walk as w
    inner join burst_members as m on m.burst_id = w.burst_id and m.burst_pos = w.burst_pos + 1
),

duplicates as (
    select click_id from walk where is_duplicate
),

classified as (
    select
        resolved.click_id,
        resolved.ts,
        resolved.stream_id,
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
