-- one row per experiment (streams with an experiment_id and a variant): its
-- tested variable, arms and the settings of postlive.yaml experiments.<id>.*
--   control          the configured control when some stream has that variant,
--                    else the alphabetically first variant
--   alpha            experiments.<id>.alpha (experiment_defaults for an
--                    experiment postlive.yaml does not name)
--   primary_metric   experiments.<id>.primary_metric (likewise)
--   planned_streams  experiments.<id>.planned_streams (all arms together), or NULL
--   setup_warning    a problem with the set-up in plain words, or NULL
with

streams as (
    select * from int_experiment_streams
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
        nullif(trim(settings.control), '') as configured_control,
        coalesce(settings.primary_metric, defaults.primary_metric) as primary_metric,
        settings.planned_streams,
        coalesce(settings.alpha, defaults.alpha) as alpha
    from experiments
    cross join defaults
    left join settings on settings.experiment_id = experiments.experiment_id
),

controls as (
    select
        configured.*,
        coalesce(configured_arm.variant, configured.first_variant) as control,
        case
            when configured.configured_control is not null and configured_arm.variant is null
                then 'the control ' || configured.configured_control || ' set in postlive.yaml has no streams, so '
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
        nullif(concat_ws('; ',
            control_warning,
            case when arms < 2 then 'only one variant (' || control || ') has streams, so there is nothing to compare' end,
            case when tested_variables > 1 then 'the streams name different tested variables (' || tested_variable_list || ')' end
        ), '') as setup_warning
    from controls
)

select * from experiment_setup
