-- one row per stream that deviates from its experiment's pre-registered plan
-- (postlive plan; experiment_plan_streams): what the plan said against what
-- ran (docs/statistics.md § Planned experiments).
--   deviation           other_variant: the stream ran with another variant
--                       than planned (or none, or in another experiment);
--                       missing: a planned stream due by now (it was to start
--                       before the latest stream of the data) without data: not
--                       in the imported stream plan, or no viewers;
--                       extra: a stream names the experiment but is not in its plan
--   planned_variant     the plan's variant (NULL for extra)
--   ran_experiment_id, ran_variant   what the stream plan import says (NULL: none)
--   analysed_as         the variant the analysis gives the stream: the planned
--                       one (intention to treat) for other_variant; NULL when
--                       it is left out (missing, extra)
--   detail              the deviation in plain words
with

plans as (
    select * from experiment_plans
),

plan_streams as (
    select * from experiment_plan_streams
),

kpis as (
    select * from stream_kpis
),

horizon as (
    select max(started_at) as latest_started_at from kpis
),

planned_status as (
    select
        plan_streams.experiment_id,
        plan_streams.stream_id,
        plan_streams.host,
        plan_streams.variant as planned_variant,
        plan_streams.planned_started_at,
        kpis.stream_id is not null as is_imported,
        kpis.viewers,
        kpis.started_at,
        nullif(trim(kpis.experiment_id), '') as ran_experiment_id,
        nullif(trim(kpis.variant), '') as ran_variant
    from plan_streams
    left join kpis on kpis.stream_id = plan_streams.stream_id
),

missing as (
    select
        planned_status.experiment_id,
        stream_id,
        'missing' as deviation,
        host,
        planned_variant,
        ran_experiment_id,
        ran_variant,
        cast(null as varchar) as analysed_as,
        planned_started_at,
        started_at,
        'planned ' || planned_variant || ' for ' || strftime(planned_started_at, '%Y-%m-%d %H:%M') || ' UTC; '
            || case when is_imported then 'no viewers were imported for it' else 'it is not in the imported stream plan' end
            || ', so it is left out of the analysis' as detail
    from planned_status
    cross join horizon
    where (not is_imported or viewers is null)
        and planned_started_at <= horizon.latest_started_at
),

other_variant as (
    select
        experiment_id,
        stream_id,
        'other_variant' as deviation,
        host,
        planned_variant,
        ran_experiment_id,
        ran_variant,
        planned_variant as analysed_as,
        planned_started_at,
        started_at,
        'planned ' || planned_variant || ', ran '
            || case
                when ran_experiment_id is null or ran_variant is null then 'without a variant'
                when ran_experiment_id <> experiment_id then 'in experiment ' || ran_experiment_id || ' as ' || ran_variant
                else ran_variant
            end
            || '; analysed as ' || planned_variant || ' (intention to treat)' as detail
    from planned_status
    where is_imported and viewers is not null
        and (ran_experiment_id is distinct from experiment_id or ran_variant is distinct from planned_variant)
),

extra as (
    select
        plans.experiment_id,
        kpis.stream_id,
        'extra' as deviation,
        kpis.affiliate_id as host,
        cast(null as varchar) as planned_variant,
        nullif(trim(kpis.experiment_id), '') as ran_experiment_id,
        nullif(trim(kpis.variant), '') as ran_variant,
        cast(null as varchar) as analysed_as,
        cast(null as timestamp) as planned_started_at,
        kpis.started_at,
        'not in the plan, ran ' || coalesce(nullif(trim(kpis.variant), ''), 'without a variant')
            || '; left out of the analysis (it was not randomised)' as detail
    from kpis
    inner join plans on plans.experiment_id = trim(kpis.experiment_id)
    left join plan_streams
        on plan_streams.experiment_id = plans.experiment_id
        and plan_streams.stream_id = kpis.stream_id
    where plan_streams.stream_id is null
),

experiment_deviations as (
    select * from missing
    union all
    select * from other_variant
    union all
    select * from extra
    order by experiment_id, deviation, stream_id
)

select * from experiment_deviations
