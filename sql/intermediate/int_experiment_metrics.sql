-- one row per experiment metric: the ratio metrics of docs/statistics.md,
-- each a numerator and a denominator column of stream_kpis (the one list;
-- int_experiment_units and postlive plan read it)
--   metric_order      the order experiment_results lists them in
with

metrics as (
    select * from (values
        (1, 'rpv', 'revenue', 'viewers'),
        (2, 'cvr_click', 'orders', 'clicks'),
        (3, 'ctr', 'clicks', 'viewers'),
        (4, 'aov', 'revenue', 'orders')
    ) as metrics (metric_order, metric, numerator_name, denominator_name)
)

select * from metrics
