-- one row per stream that takes part in an experiment (experiment_id and
-- variant both set): the inputs of the experiment metrics and when and where
-- the stream ran, read in the stream's own time zone.
--   start_zone        the stream's IANA time zone, or UTC when it names none
--                     (or one Go does not know)
--   start_hour_local  0–23, weekday_local 1 (Monday) – 7 (Sunday)
--   daypart           night 22–4 h, morning 5–11 h, afternoon 12–16 h, evening 17–21 h
--   is_weekend        weekday_local is Saturday or Sunday
--   tier              influencer tier of the followers the stream reports,
--                     else of the affiliate (affiliates.tier)
with

kpis as (
    select * from stream_kpis
),

affiliate_tiers as (
    select affiliate_id, tier from affiliates
),

experiment_streams as (
    select
        kpis.stream_id,
        trim(experiment_id) as experiment_id,
        trim(variant) as variant,
        nullif(trim(tested_variable), '') as tested_variable,
        kpis.affiliate_id,
        platform,
        started_at,
        cast(duration_min as double) as duration_min,
        case when local_hour(started_at, timezone) is not null then timezone else 'UTC' end as start_zone,
        cast(viewers as double) as viewers,
        cast(clicks as double) as clicks,
        cast(orders as double) as orders,
        cast(revenue as double) as revenue,
        coalesce(kpis.follower_tier, affiliate_tiers.tier) as tier
    from kpis
    left join affiliate_tiers on affiliate_tiers.affiliate_id = kpis.affiliate_id
    where nullif(trim(experiment_id), '') is not null
        and nullif(trim(variant), '') is not null
),

local_start as (
    select
        *,
        local_hour(started_at, start_zone) as start_hour_local,
        local_weekday(started_at, start_zone) as weekday_local
    from experiment_streams
),

start_classes as (
    select
        *,
        case
            when start_hour_local between 5 and 11 then 'morning'
            when start_hour_local between 12 and 16 then 'afternoon'
            when start_hour_local between 17 and 21 then 'evening'
            else 'night'
        end as daypart,
        weekday_local in (6, 7) as is_weekend
    from local_start
)

select * from start_classes
