-- one row per stream that takes part in an experiment (experiment_id and
-- variant both set): the inputs of the experiment metrics and when and where
-- the stream ran, read in the stream's own time zone. An experiment with a
-- pre-registered plan (postlive plan, experiment_plan_streams) takes part
-- with the planned streams that ran, each under its planned variant whatever
-- it ran with (intention to treat, docs/statistics.md § Planning an
-- experiment); streams that name it but are not in the plan are left out
-- (experiment_deviations lists both).
--   block             what the analysis re-assigns within: the plan's block,
--                     else the host (affiliate_id)
--   is_planned        the experiment has a plan
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

plans as (
    select * from experiment_plans
),

plan_streams as (
    select * from experiment_plan_streams
),

-- each stream's experiment and variant: as the stream plan labels it, or the plan's
assigned as (
    select
        stream_id,
        trim(experiment_id) as experiment_id,
        trim(variant) as variant,
        nullif(trim(tested_variable), '') as tested_variable,
        affiliate_id as block,
        false as is_planned
    from kpis
    where nullif(trim(experiment_id), '') is not null
        and nullif(trim(variant), '') is not null
        and trim(experiment_id) not in (select experiment_id from plans)
    union all
    select
        plan_streams.stream_id,
        plan_streams.experiment_id,
        plan_streams.variant,
        plans.tested_variable,
        plan_streams.block,
        true as is_planned
    from plan_streams
    inner join plans on plans.experiment_id = plan_streams.experiment_id
),

experiment_streams as (
    select
        kpis.stream_id,
        assigned.experiment_id,
        assigned.variant,
        assigned.tested_variable,
        assigned.block,
        assigned.is_planned,
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
    from assigned
    inner join kpis on kpis.stream_id = assigned.stream_id
    left join affiliate_tiers on affiliate_tiers.affiliate_id = kpis.affiliate_id
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
