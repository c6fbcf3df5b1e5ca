-- one row per stream per kpi (docs/metrics.md § The host's usual range)
--
-- Each KPI of a stream against the same host's earlier streams on the same
-- platform: like with like. Where at least 3 of those earlier streams (with a
-- value) had a similar length (between 2/3 and 3/2 of this stream's), only
-- they are the comparison; else every earlier stream of the host on the
-- platform is. Of the comparison, the latest 10 (by started_at, then
-- stream_id) count. A change is flagged only outside the host's usual range,
-- the 95 % prediction interval for one more stream from those values, and
-- only once there are 3 of them. Reports read this to draw the tiles; they
-- never compute it.
--   kpi               viewers, ctr, orders, cvr_click, revenue, rpv, aov, cpa, roas
--   value             the stream's own value (NULL when the ratio has no denominator)
--   baseline          median of the comparison's values; NULL without any
--   baseline_streams  n, how many earlier streams the comparison holds (0..10)
--   comparison        similar_length or same_platform (what the n streams are)
--   change_abs        value - baseline
--   change_rel        value / baseline - 1; NULL when baseline is 0 or NULL
--   usual_low         mean - t(0.975, n-1) * sd * sqrt(1 + 1/n), not below 0
--   usual_high        mean + t(0.975, n-1) * sd * sqrt(1 + 1/n)
--                     (mean and sd, the sample standard deviation, of the n
--                     values; both NULL when n < 2)
--   flag              above or below the usual range, within it, too_few
--                     (n < min_streams: nothing is flagged) or no_value
--   min_streams       how many earlier streams a flag needs (3; the one place
--                     this rule lives: the reports read it from here)

with

rules as (
    select 3 as min_streams
),

kpis as (
    select * from stream_kpis
),

kpi_values as (
    select
        stream_id,
        affiliate_id,
        platform,
        started_at,
        duration_min,
        kpi,
        value
    from (
        select
            stream_id,
            affiliate_id,
            platform,
            started_at,
            cast(duration_min as double) as duration_min,
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

-- t(0.975, df) for the prediction interval: n ≤ 10 values give df ≤ 9
-- (scipy.stats.t.ppf(0.975, df), to 9 decimals)
t_quantiles as (
    select * from (values
        (1, 12.706204736), (2, 4.302652730), (3, 3.182446305), (4, 2.776445105), (5, 2.570581837),
        (6, 2.446911849), (7, 2.364624251), (8, 2.306004135), (9, 2.262157163)
    ) as t (df, t975)
),

earlier as (
    select
        cur.stream_id,
        cur.kpi,
        prev.stream_id as prev_stream_id,
        prev.started_at as prev_started_at,
        prev.value as prev_value,
        coalesce(
            cur.duration_min > 0 and prev.duration_min > 0
            and prev.duration_min between cur.duration_min * 2 / 3 and cur.duration_min * 3 / 2,
            false
        ) as similar_length
    from kpi_values as cur
    inner join kpi_values as prev
        on prev.affiliate_id = cur.affiliate_id
        and prev.platform is not distinct from cur.platform
        and prev.kpi = cur.kpi
        and (prev.started_at < cur.started_at
            or (prev.started_at = cur.started_at and prev.stream_id < cur.stream_id))
    where prev.value is not null
),

comparison_kind as (
    select
        stream_id,
        kpi,
        count(*) filter (where similar_length) >= 3 as by_length
    from earlier
    group by stream_id, kpi
),

comparison as (
    select
        earlier.stream_id,
        earlier.kpi,
        earlier.prev_value,
        comparison_kind.by_length
    from earlier
    inner join comparison_kind
        on comparison_kind.stream_id = earlier.stream_id and comparison_kind.kpi = earlier.kpi
    where earlier.similar_length or not comparison_kind.by_length
    qualify row_number() over (
        partition by earlier.stream_id, earlier.kpi
        order by earlier.prev_started_at desc, earlier.prev_stream_id desc
    ) <= 10
),

history as (
    select
        stream_id,
        kpi,
        bool_and(by_length) as by_length,
        count(*) as n,
        median(prev_value) as baseline,
        avg(prev_value) as mean,
        stddev_samp(prev_value) as sd
    from comparison
    group by stream_id, kpi
),

ranged as (
    select
        history.*,
        greatest(history.mean - t_quantiles.t975 * history.sd * sqrt(1 + 1.0 / history.n), 0) as usual_low,
        history.mean + t_quantiles.t975 * history.sd * sqrt(1 + 1.0 / history.n) as usual_high
    from history
    left join t_quantiles on t_quantiles.df = history.n - 1
),

stream_baselines as (
    select
        kpi_values.stream_id,
        kpi_values.affiliate_id,
        kpi_values.platform,
        kpi_values.kpi,
        kpi_values.value,
        ranged.baseline,
        coalesce(ranged.n, 0) as baseline_streams,
        case
            when ranged.n is null then null
            when ranged.by_length then 'similar_length'
            else 'same_platform'
        end as comparison,
        kpi_values.value - ranged.baseline as change_abs,
        case when ranged.baseline <> 0 then kpi_values.value / ranged.baseline - 1 end as change_rel,
        ranged.usual_low,
        ranged.usual_high,
        case
            when kpi_values.value is null then 'no_value'
            when coalesce(ranged.n, 0) < rules.min_streams then 'too_few'
            when kpi_values.value > ranged.usual_high then 'above'
            when kpi_values.value < ranged.usual_low then 'below'
            else 'within'
        end as flag,
        rules.min_streams
    from kpi_values
    cross join rules
    left join ranged on ranged.stream_id = kpi_values.stream_id and ranged.kpi = kpi_values.kpi
)

select * from stream_baselines order by stream_id, kpi
