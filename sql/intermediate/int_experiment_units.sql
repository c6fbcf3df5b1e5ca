-- materialized: table
-- one row per experiment × metric × stream taking part: the unit the
-- statistics analyse (experiments.Analyse through experiment_compare in
-- experiment_results, docs/statistics.md).
--   metric            rpv = revenue / viewers, cvr_click = orders / clicks,
--                     ctr = clicks / viewers, aov = revenue / orders
--   variant, is_control   the stream's arm; the control from int_experiment_setup
--   stream_id, host   the stream and its host (affiliate_id)
--   block             what re-assignments stay within when the analysis is
--                     blocked: the plan's block when the experiment has a
--                     plan (experiment_plan_streams), else the host (NULL
--                     when the stream names none)
--   is_planned        the experiment has a plan: its units are the planned
--                     streams that ran, each under its planned variant
--                     (intention to treat, int_experiment_streams)
--   numerator, denominator  the stream's M and D for the metric; a stream with
--                     a NULL denominator is left out of that metric (a zero one counts)
--   pre_numerator, pre_denominator  ΣM and ΣD over the host's last 5 streams
--                     that started before the experiment's first stream and
--                     are in no experiment (the window of stream_baselines);
--                     NULL when the host has none
--   pre_streams       how many such streams (0..5)
with

streams as (
    select * from int_experiment_streams
),

setup as (
    select * from int_experiment_setup
),

kpis as (
    select * from stream_kpis
),

metrics as (
    select * from int_experiment_metrics
),

experiment_starts as (
    select experiment_id, min(started_at) as experiment_started_at
    from streams
    group by experiment_id
),

-- each host's streams outside any experiment, newest first per experiment
host_history as (
    select
        experiment_starts.experiment_id,
        kpis.affiliate_id,
        cast(kpis.viewers as double) as viewers,
        cast(kpis.clicks as double) as clicks,
        cast(kpis.orders as double) as orders,
        cast(kpis.revenue as double) as revenue,
        row_number() over (
            partition by experiment_starts.experiment_id, kpis.affiliate_id
            order by kpis.started_at desc, kpis.stream_id desc
        ) as recency
    from kpis
    inner join experiment_starts on kpis.started_at < experiment_starts.experiment_started_at
    where kpis.affiliate_id is not null
        and nullif(trim(kpis.experiment_id), '') is null
),

host_inputs as (
    select experiment_id, affiliate_id, 'rpv' as metric, revenue as m, viewers as d from host_history where recency <= 5
    union all
    select experiment_id, affiliate_id, 'cvr_click' as metric, orders as m, clicks as d from host_history where recency <= 5
    union all
    select experiment_id, affiliate_id, 'ctr' as metric, clicks as m, viewers as d from host_history where recency <= 5
    union all
    select experiment_id, affiliate_id, 'aov' as metric, revenue as m, orders as d from host_history where recency <= 5
),

host_baselines as (
    select
        experiment_id,
        affiliate_id,
        metric,
        sum(coalesce(m, 0)) as pre_numerator,
        sum(d) as pre_denominator,
        count(*) as pre_streams
    from host_inputs
    where d is not null
    group by experiment_id, affiliate_id, metric
),

metric_inputs as (
    select experiment_id, variant, stream_id, affiliate_id, block, is_planned, 'rpv' as metric, revenue as m, viewers as d from streams
    union all
    select experiment_id, variant, stream_id, affiliate_id, block, is_planned, 'cvr_click' as metric, orders as m, clicks as d from streams
    union all
    select experiment_id, variant, stream_id, affiliate_id, block, is_planned, 'ctr' as metric, clicks as m, viewers as d from streams
    union all
    select experiment_id, variant, stream_id, affiliate_id, block, is_planned, 'aov' as metric, revenue as m, orders as d from streams
),

experiment_units as (
    select
        metric_inputs.experiment_id,
        metrics.metric,
        metrics.metric_order,
        metrics.numerator_name,
        metrics.denominator_name,
        metric_inputs.variant,
        metric_inputs.variant = setup.control as is_control,
        metric_inputs.stream_id,
        metric_inputs.affiliate_id as host,
        metric_inputs.block,
        metric_inputs.is_planned,
        metric_inputs.m as numerator,
        metric_inputs.d as denominator,
        host_baselines.pre_numerator,
        host_baselines.pre_denominator,
        coalesce(host_baselines.pre_streams, 0) as pre_streams
    from metric_inputs
    inner join metrics on metrics.metric = metric_inputs.metric
    inner join setup on setup.experiment_id = metric_inputs.experiment_id
    left join host_baselines
        on host_baselines.experiment_id = metric_inputs.experiment_id
        and host_baselines.affiliate_id = metric_inputs.affiliate_id
        and host_baselines.metric = metric_inputs.metric
    order by metric_inputs.experiment_id, metrics.metric_order, metric_inputs.variant, metric_inputs.stream_id
)

select * from experiment_units
