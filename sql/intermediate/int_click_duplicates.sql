-- one row per click that is a duplicate (docs/metrics.md § Clicks): same
-- visitor_key and link (link_id, else the URL) less than
-- click_settings.duplicate_window_us after the previous *counted* click of that
-- pair. Bots are never counted and never start a window; aggregated rows
-- (e.g. Bitly buckets) carry no visitor and are never duplicates.
--
-- The windows below sort clicks by visitor × link pair. The pair is first
-- given a number, so that they sort on a number and not on two long strings
-- (a visitor key and often a whole URL): on ten million clicks that is the
-- difference between fitting under duckdb.memory_limit and running out of
-- memory.
--
-- materialized: table (computed once per build; int_clicks_classified reads it)
with recursive

window_setting as (
    select duplicate_window_us from click_settings
),

candidates as materialized (
    select
        click_id,
        visitor_key,
        coalesce(link_id, url) as link_key,
        ts,
        epoch_us(ts) as ts_us
    from stg_clicks
    where not is_bot and not is_aggregated and visitor_key is not null
),

pairs as (
    select visitor_key, link_key, row_number() over () as pair_id
    from (select distinct visitor_key, link_key from candidates) as distinct_pairs
),

pair_clicks as (
    select pairs.pair_id, candidates.click_id, candidates.ts, candidates.ts_us
    from candidates
    inner join pairs
        on pairs.visitor_key = candidates.visitor_key
        -- a click with neither link nor URL: one pair per visitor, as before
        and pairs.link_key is not distinct from candidates.link_key
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
    from pair_clicks
    window pair_order as (partition by pair_id order by ts, click_id)
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
            over (partition by pair_id order by ts, click_id rows unbounded preceding) as burst_no
    from in_bursts
),

-- materialised so that the recursive step below joins this small table
-- instead of re-running the windows at every step
burst_members as materialized (
    select
        click_id,
        ts_us,
        dense_rank() over (order by pair_id, burst_no) as burst_id,
        row_number() over (partition by pair_id, burst_no order by ts, click_id) as burst_pos
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
)

select click_id from walk where is_duplicate
