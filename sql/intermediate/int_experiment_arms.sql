-- one row per experiment × metric × variant: the arm's sufficient statistics
-- for the ratio metric, what SQL hands to the statistics functions.
--   metric        rpv = revenue / viewers, cvr_click = orders / clicks,
--                 ctr = clicks / viewers, aov = revenue / orders
--   streams       k, the arm's streams with a denominator for the metric (a
--                 stream with a NULL denominator is left out of that metric;
--                 a zero one counts)
--   sum_m … sum_md  ΣM, ΣD, ΣM², ΣD², ΣM·D over those streams
--   numerators, denominators  the per-stream M and D (by stream_id), for the
--                 permutation test
--   streams_left_out  the arm's streams without a denominator
with

streams as (
    select * from int_experiment_streams
),

setup as (
    select * from int_experiment_setup
),

metrics as (
    select * from (values
        (1, 'rpv', 'revenue', 'viewers'),
        (2, 'cvr_click', 'orders', 'clicks'),
        (3, 'ctr', 'clicks', 'viewers'),
        (4, 'aov', 'revenue', 'orders')
    ) as metrics (metric_order, metric, numerator_name, denominator_name)
),

metric_inputs as (
    select experiment_id, variant, stream_id, 'rpv' as metric, revenue as m, viewers as d from streams
    union all
    select experiment_id, variant, stream_id, 'cvr_click' as metric, orders as m, clicks as d from streams
    union all
    select experiment_id, variant, stream_id, 'ctr' as metric, clicks as m, viewers as d from streams
    union all
    select experiment_id, variant, stream_id, 'aov' as metric, revenue as m, orders as d from streams
),

arm_grid as (
    select
        arms.experiment_id,
        arms.variant,
        arms.arm_streams,
        metrics.metric,
        metrics.metric_order,
        metrics.numerator_name,
        metrics.denominator_name
    from (
        select experiment_id, variant, count(*) as arm_streams
        from streams
        group by experiment_id, variant
    ) as arms
    cross join metrics
),

arm_sums as (
    select
        experiment_id,
        variant,
        metric,
        count(*) as streams,
        sum(m) as sum_m,
        sum(d) as sum_d,
        sum(m * m) as sum_m2,
        sum(d * d) as sum_d2,
        sum(m * d) as sum_md,
        list(m order by stream_id) as numerators,
        list(d order by stream_id) as denominators
    from metric_inputs
    where m is not null and d is not null
    group by experiment_id, variant, metric
),

experiment_arms as (
    select
        arm_grid.experiment_id,
        arm_grid.metric,
        arm_grid.metric_order,
        arm_grid.variant,
        arm_grid.variant = setup.control as is_control,
        arm_grid.numerator_name,
        arm_grid.denominator_name,
        coalesce(arm_sums.streams, 0) as streams,
        arm_grid.arm_streams - coalesce(arm_sums.streams, 0) as streams_left_out,
        coalesce(arm_sums.sum_m, 0) as sum_m,
        coalesce(arm_sums.sum_d, 0) as sum_d,
        coalesce(arm_sums.sum_m2, 0) as sum_m2,
        coalesce(arm_sums.sum_d2, 0) as sum_d2,
        coalesce(arm_sums.sum_md, 0) as sum_md,
        case when arm_sums.sum_d > 0 then arm_sums.sum_m / arm_sums.sum_d end as value,
        coalesce(arm_sums.numerators, cast([] as double[])) as numerators,
        coalesce(arm_sums.denominators, cast([] as double[])) as denominators
    from arm_grid
    inner join setup on setup.experiment_id = arm_grid.experiment_id
    left join arm_sums
        on arm_sums.experiment_id = arm_grid.experiment_id
        and arm_sums.variant = arm_grid.variant
        and arm_sums.metric = arm_grid.metric
)

select * from experiment_arms
