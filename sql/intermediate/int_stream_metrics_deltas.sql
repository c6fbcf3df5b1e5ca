-- one row per stream per sample: concurrent viewers and per-interval counts.
-- Cumulative counters become deltas (a drop in a running total, i.e. a
-- counter reset, counts the new value).
with

metrics as (
    select * from stg_stream_metrics
),

previous as (
    select
        *,
        lag(likes) over sample_order as prev_likes,
        lag(comments) over sample_order as prev_comments,
        lag(shares) over sample_order as prev_shares,
        lag(follows) over sample_order as prev_follows,
        lag(product_clicks) over sample_order as prev_product_clicks,
        lag(gifts) over sample_order as prev_gifts
    from metrics
    window sample_order as (partition by stream_id order by ts)
),

deltas as (
    select
        stream_id,
        ts,
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
