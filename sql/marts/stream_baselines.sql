-- one row per stream per kpi
--
-- Each KPI of a stream next to the median of the same host's previous 5 streams
-- (by started_at, then stream_id) and the change against that median. Reports
-- read this to draw the arrows on the KPI tiles; they never compute it.
--   kpi               viewers, ctr, orders, cvr_click, revenue, rpv, aov, cpa, roas
--   value             the stream's own value (NULL when the ratio has no denominator)
--   baseline          median of the non-NULL values of the host's previous 5 streams;
--                     NULL when none of them has a value
--   baseline_streams  how many of those previous streams had a value (0..5)
--   change_abs        value - baseline
--   change_rel        value / baseline - 1; NULL when baseline is 0 or NULL

with

kpis as (
    select * from stream_kpis
),

kpi_values as (
    select
        stream_id,
        affiliate_id,
        started_at,
        kpi,
        value
    from (
        select
            stream_id,
            affiliate_id,
            started_at,
            cast(viewers as double) as viewers,
            cast(ctr as double) as ctr,
            cast(orders as double) as orders,
            cast(cvr_click as double) as cvr_click,
            cast(revenue as double) as revenue,
            cast(rpv as double) as rpv,
            cast(aov as double) as aov,
            cast(cpa as double) as cpa,
            cast(roas as double) as roas
        from kpis
    ) unpivot include nulls (
        value for kpi in (viewers, ctr, orders, cvr_click, revenue, rpv, aov, cpa, roas)
    )
),

previous_streams as (
    select
        stream_id,
        affiliate_id,
        kpi,
        value,
        median(value) over host_history as baseline,
        count(value) over host_history as baseline_streams
    from kpi_values
    window host_history as (
        partition by affiliate_id, kpi
        order by started_at, stream_id
        rows between 5 preceding and 1 preceding
    )
),

stream_baselines as (
    select
        stream_id,
        affiliate_id,
        kpi,
        value,
        baseline,
        baseline_streams,
        value - baseline as change_abs,
        case when baseline <> 0 then value / baseline - 1 end as change_rel
    from previous_streams
)

select * from stream_baselines
