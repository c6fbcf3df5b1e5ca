-- one row per stream per sample, live event or per-minute interval
-- (granularity 'sample', 'event' or 'minute'; 'session' rows carry a whole
-- session's totals and stay in stg_stream_metrics): concurrent viewers and
-- per-interval counts. A NULL counter is not reported by that row's source,
-- never 0 (docs/metrics.md § Per minute).
--
-- Cumulative counters (counter_mode 'cumulative') become deltas against the
-- previous value of the same counter in the same stream and feed (same
-- counter_mode and granularity, by ts; empty cells are skipped, so a missing
-- value does not turn the next running total into a delta): a rise counts the
-- difference, a drop in the running total (a reset or a correction) counts the
-- new value, and the first value counts whole.
with

metrics as (
    select * from stg_stream_metrics
    where granularity <> 'session'
),

previous as (
    select
        *,
        lag(likes ignore nulls) over feed_order as prev_likes,
        lag(comments ignore nulls) over feed_order as prev_comments,
        lag(shares ignore nulls) over feed_order as prev_shares,
        lag(follows ignore nulls) over feed_order as prev_follows,
        lag(product_clicks ignore nulls) over feed_order as prev_product_clicks,
        lag(gifts ignore nulls) over feed_order as prev_gifts
    from metrics
    window feed_order as (partition by stream_id, counter_mode, granularity order by ts)
),

deltas as (
    select
        stream_id,
        ts,
        granularity,
        viewers,
        case when counter_mode = 'cumulative' and likes >= prev_likes then likes - prev_likes else likes end as likes,
        case when counter_mode = 'cumulative' and comments >= prev_comments then comments - prev_comments else comments end as comments,
        case when counter_mode = 'cumulative' and shares >= prev_shares then shares - prev_shares else shares end as shares,
        case when counter_mode = 'cumulative' and follows >= prev_follows then follows - prev_follows else follows end as follows,
        case when counter_mode = 'cumulative' and product_clicks >= prev_product_clicks then product_clicks - prev_product_clicks else product_clicks end as product_clicks,
        case when counter_mode = 'cumulative' and gifts >= prev_gifts then gifts - prev_gifts else gifts end as gifts
    from previous
)

select * from deltas
