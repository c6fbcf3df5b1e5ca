-- one row per planned experiment × arm (experiment_plan_arms): how the
-- plan's streams of the arm fared (docs/statistics.md § Planned experiments)
--   planned_streams   streams the plan assigned to the arm
--   ran_as_planned    ran with the planned experiment and variant, with viewers
--   other_variant     ran with another variant (or none); analysed as planned
--   missing           due by now without data (experiment_deviations)
--   to_come           planned after the latest stream of the data, not run yet
--   extra             streams that name the experiment and this variant but are
--                     not in the plan (left out of the analysis)
--   plan_sha256, is_edited, planned_at, block_by, seed, primary_metric, alpha,
--   min_effect        the plan's (experiment_plans)
with

plans as (
    select * from experiment_plans
),

arms as (
    select * from experiment_plan_arms
),

plan_streams as (
    select * from experiment_plan_streams
),

deviations as (
    select * from experiment_deviations
),

kpis as (
    select stream_id, viewers from stream_kpis
),

planned as (
    select
        arms.experiment_id,
        arms.variant,
        count(plan_streams.stream_id) as planned_streams,
        count(plan_streams.stream_id) filter (where deviations.deviation = 'other_variant') as other_variant,
        count(plan_streams.stream_id) filter (where deviations.deviation = 'missing') as missing,
        count(plan_streams.stream_id) filter (
            where deviations.deviation is null and (kpis.stream_id is null or kpis.viewers is null)
        ) as to_come
    from arms
    left join plan_streams
        on plan_streams.experiment_id = arms.experiment_id
        and plan_streams.variant = arms.variant
    left join deviations
        on deviations.experiment_id = plan_streams.experiment_id
        and deviations.stream_id = plan_streams.stream_id
    left join kpis on kpis.stream_id = plan_streams.stream_id
    group by arms.experiment_id, arms.variant
),

extras as (
    select experiment_id, ran_variant as variant, count(*) as extra
    from deviations
    where deviation = 'extra'
    group by experiment_id, ran_variant
),

experiment_plan_adherence as (
    select
        arms.experiment_id,
        arms.variant,
        arms.arm_order,
        arms.weight,
        planned.planned_streams,
        planned.planned_streams - planned.other_variant - planned.missing - planned.to_come as ran_as_planned,
        planned.other_variant,
        planned.missing,
        planned.to_come,
        coalesce(extras.extra, 0) as extra,
        plans.plan_sha256,
        plans.is_edited,
        plans.planned_at,
        plans.block_by,
        plans.seed,
        plans.primary_metric,
        plans.alpha,
        plans.min_effect
    from arms
    inner join plans on plans.experiment_id = arms.experiment_id
    inner join planned
        on planned.experiment_id = arms.experiment_id
        and planned.variant = arms.variant
    left join extras
        on extras.experiment_id = arms.experiment_id
        and extras.variant = arms.variant
    order by arms.experiment_id, arms.arm_order
)

select * from experiment_plan_adherence
