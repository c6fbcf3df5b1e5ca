-- one row per experiment (streams with an experiment_id and a variant): its
-- tested variable, arms and the settings of postlive.yaml experiments.<id>.*
--   control          the configured control when some stream has that variant,
--                    else the alphabetically first variant
--   alpha            experiments.<id>.alpha (experiment_defaults for an
--                    experiment postlive.yaml does not name)
--   primary_metric   experiments.<id>.primary_metric (likewise)
--   planned_streams  experiments.<id>.planned_streams (all arms together), or NULL
--   setup_warning    a problem with the set-up in plain words, or NULL
-- An experiment with a pre-registered plan (postlive plan, experiment_plans)
-- takes its control, primary metric, alpha and planned streams from the
-- plan (its arms are the planned streams that ran, under their planned
-- variant: int_experiment_streams):
--   has_plan         the experiment has a plan
--   min_effect       the plan's minimum effect (relative lift), else NULL
--   is_plan_edited   the plan file was edited after registration
with

streams as (
    select * from int_experiment_streams
),

plans as (
    select * from experiment_plans
),

plan_streams as (
    select * from experiment_plan_streams
),

planned_counts as (
    select experiment_id, count(*) as planned_streams
    from plan_streams
    group by experiment_id
),

settings as (
    select * from experiment_settings
),

defaults as (
    select * from experiment_defaults
),

arm_sizes as (
    select
        experiment_id,
        variant,
        count(*) as streams
    from streams
    group by experiment_id, variant
),

experiments as (
    select
        experiment_id,
        min(tested_variable) as tested_variable,
        count(distinct tested_variable) as tested_variables,
        string_agg(distinct tested_variable, ', ' order by tested_variable) as tested_variable_list,
        count(distinct variant) as arms,
        count(*) as streams,
        min(variant) as first_variant
    from streams
    group by experiment_id
),

configured as (
    select
        experiments.*,
        coalesce(plans.control, nullif(trim(settings.control), '')) as configured_control,
        coalesce(plans.primary_metric, settings.primary_metric, defaults.primary_metric) as primary_metric,
        coalesce(planned_counts.planned_streams, settings.planned_streams) as planned_streams,
        coalesce(plans.alpha, settings.alpha, defaults.alpha) as alpha,
        plans.experiment_id is not null as has_plan,
        plans.min_effect,
        coalesce(plans.is_edited, false) as is_plan_edited
    from experiments
    cross join defaults
    left join settings on settings.experiment_id = experiments.experiment_id
    left join plans on plans.experiment_id = experiments.experiment_id
    left join planned_counts on planned_counts.experiment_id = experiments.experiment_id
),

controls as (
    select
        configured.*,
        coalesce(configured_arm.variant, configured.first_variant) as control,
        case
            when configured.configured_control is not null and configured_arm.variant is null
                then 'the control ' || configured.configured_control
                    || case when configured.has_plan then ' of the plan' else ' set in postlive.yaml' end
                    || ' has no streams, so '
                    || configured.first_variant || ' is the control'
        end as control_warning
    from configured
    left join arm_sizes as configured_arm
        on configured_arm.experiment_id = configured.experiment_id
        and configured_arm.variant = configured.configured_control
),

experiment_setup as (
    select
        experiment_id,
        tested_variable,
        control,
        arms,
        streams,
        primary_metric,
        planned_streams,
        alpha,
        has_plan,
        min_effect,
        is_plan_edited,
        nullif(concat_ws('; ',
            control_warning,
            case when arms < 2 then 'only one variant (' || control || ') has streams, so there is nothing to compare' end,
            case when tested_variables > 1 then 'the streams name different tested variables (' || tested_variable_list || ')' end
        ), '') as setup_warning
    from controls
)

select * from experiment_setup
