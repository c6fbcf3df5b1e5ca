-- one row per stream: audience, clicks, orders, revenue and the ratios of
-- docs/metrics.md. A ratio with a zero or missing denominator is NULL.
-- follower_tier is the influencer tier of the followers the stream reports
-- (int_follower_tiers); campaign_id the campaign it belongs to.
-- orders_reversed counts the orders the stream would be credited with whose
-- newest import says reversed (they are not in orders or revenue).
with

streams as (
    select * from stg_streams
),

config as (
    select * from attribution_settings cross join report_settings
),

-- viewer figures come from three places, in this order of precedence
-- (docs/metrics.md § Audience): the plan (streams), the platform's session
-- export (stream_metrics rows of granularity 'session': TikTok LIVE's
-- Viewers, PCU, ACU), then the per-minute and sample rows (YouTube's
-- peakConcurrentViewers per minute, else the largest viewer sample)
sessions as (
    select
        stream_id,
        -- several sessions of one stream (a restarted LIVE): the largest
        -- unique-viewer count, a lower bound of the stream's
        max(unique_viewers) as unique_viewers,
        max(peak_viewers) as peak_concurrent,
        -- their ACU weighted by duration when every session has one
        case
            when count(duration_s) = count(avg_viewers) and sum(duration_s) filter (where avg_viewers is not null) > 0
                then sum(avg_viewers * duration_s) / sum(duration_s) filter (where avg_viewers is not null)
            else avg(avg_viewers)
        end as avg_concurrent
    from stg_stream_metrics
    where granularity = 'session'
    group by stream_id
),

platform_peaks as (
    select stream_id, max(peak_viewers) as peak_concurrent
    from stg_stream_metrics
    where granularity <> 'session'
    group by stream_id
),

samples as (
    select
        stream_id,
        max(viewers) as peak_concurrent,
        avg(viewers) as avg_concurrent
    from int_stream_metrics_deltas
    group by stream_id
),

clicks as (
    select
        stream_id,
        sum(clicks) as clicks,
        sum(case when is_during_stream then clicks else 0 end) as clicks_during
    from int_stream_clicks
    group by stream_id
),

orders as (
    select
        stream_id,
        count(*) filter (where not is_adjustment) as orders,
        count(*) filter (where not is_adjustment and is_during_stream) as orders_during,
        count(*) filter (where not is_adjustment and not is_during_stream) as orders_after,
        sum(revenue) as revenue,
        coalesce(sum(revenue) filter (where is_during_stream), 0) as revenue_during,
        coalesce(sum(revenue) filter (where not is_during_stream), 0) as revenue_after,
        -- orders known only by their day that overlaps the end: during or
        -- after is unknown, not guessed
        count(*) filter (where not is_adjustment and is_during_stream is null) as orders_timing_unknown,
        coalesce(sum(revenue) filter (where is_during_stream is null), 0) as revenue_timing_unknown,
        -- revenue of rows the export dates by day only (Amazon)
        coalesce(sum(revenue) filter (where is_day_grained), 0) as revenue_day_grained,
        sum(commission) as commission_reported,
        count(*) filter (where not is_adjustment and is_new_customer) as new_customer_orders,
        min(currency) as order_currency
    from int_orders_attributed
    where is_attributable and stream_id is not null
    group by stream_id
),

reversals as (
    select matched_stream_id as stream_id, count(*) as orders_reversed
    from int_orders_attributed
    where status = 'reversed' and not is_adjustment and matched_stream_id is not null
    group by matched_stream_id
),

spend as (
    select stream_id, sum(amount) as ad_spend
    from int_spend_mapped
    where stream_id is not null
    group by stream_id
),

tiers as (
    select * from int_follower_tiers
),

stream_campaigns as (
    select * from int_stream_campaigns
),

joined as (
    select
        streams.stream_id,
        streams.affiliate_id,
        streams.merchant_id,
        streams.platform,
        streams.title,
        streams.timezone,
        streams.experiment_id,
        streams.variant,
        streams.tested_variable,
        streams.affiliate_id as host,
        streams.started_at,
        streams.ended_at,
        date_diff('second', streams.started_at, streams.ended_at) / 60.0 as duration_min,
        coalesce(streams.peak_viewers, sessions.peak_concurrent, platform_peaks.peak_concurrent, samples.peak_concurrent) as peak_concurrent,
        case
            when streams.peak_viewers is not null then 'plan'
            when sessions.peak_concurrent is not null then 'session'
            when coalesce(platform_peaks.peak_concurrent, samples.peak_concurrent) is not null then 'samples'
        end as peak_source,
        coalesce(sessions.avg_concurrent, samples.avg_concurrent) as avg_concurrent,
        coalesce(streams.unique_viewers, sessions.unique_viewers) as unique_viewers,
        case
            when streams.unique_viewers is not null then 'plan'
            when sessions.unique_viewers is not null then 'session'
        end as unique_source,
        streams.commission_rate,
        coalesce(clicks.clicks, 0) as clicks,
        coalesce(clicks.clicks_during, 0) as clicks_during,
        coalesce(orders.orders, 0) as orders,
        coalesce(orders.orders_during, 0) as orders_during,
        coalesce(orders.orders_after, 0) as orders_after,
        coalesce(reversals.orders_reversed, 0) as orders_reversed,
        cast(coalesce(orders.revenue, 0) as decimal(18, 2)) as revenue,
        cast(coalesce(orders.revenue_during, 0) as decimal(18, 2)) as revenue_during,
        cast(coalesce(orders.revenue_after, 0) as decimal(18, 2)) as revenue_after,
        coalesce(orders.orders_timing_unknown, 0) as orders_timing_unknown,
        cast(coalesce(orders.revenue_timing_unknown, 0) as decimal(18, 2)) as revenue_timing_unknown,
        cast(coalesce(orders.revenue_day_grained, 0) as decimal(18, 2)) as revenue_day_grained,
        orders.commission_reported,
        orders.new_customer_orders,
        cast(spend.ad_spend as decimal(18, 2)) as ad_spend,
        coalesce(streams.currency, orders.order_currency, config.report_currency) as currency,
        streams.followers,
        tiers.tier as follower_tier,
        stream_campaigns.campaign_id
    from streams
    cross join config
    left join sessions on sessions.stream_id = streams.stream_id
    left join platform_peaks on platform_peaks.stream_id = streams.stream_id
    left join samples on samples.stream_id = streams.stream_id
    left join clicks on clicks.stream_id = streams.stream_id
    left join orders on orders.stream_id = streams.stream_id
    left join reversals on reversals.stream_id = streams.stream_id
    left join spend on spend.stream_id = streams.stream_id
    left join tiers
        on streams.followers >= tiers.min_followers
        and (tiers.max_followers is null or streams.followers < tiers.max_followers)
    left join stream_campaigns on stream_campaigns.stream_id = streams.stream_id
),

audience as (
    select
        *,
        coalesce(unique_viewers, peak_concurrent) as viewers,
        case
            when unique_viewers is not null then 'unique'
            when peak_concurrent is not null then 'peak_concurrent'
        end as viewer_basis,
        -- where the viewers figure comes from: plan, session or samples
        coalesce(unique_source, peak_source) as viewer_source
    from joined
),

kpis as (
    select
        stream_id,
        affiliate_id,
        merchant_id,
        platform,
        started_at,
        ended_at,
        duration_min,
        viewers,
        viewer_basis,
        viewer_source,
        peak_concurrent,
        avg_concurrent,
        clicks,
        clicks_during,
        cast(case when viewers > 0 then clicks / viewers end as double) as ctr,
        orders,
        orders_during,
        orders_after,
        orders_reversed,
        revenue,
        revenue_during,
        revenue_after,
        orders_timing_unknown,
        revenue_timing_unknown,
        revenue_day_grained,
        cast(case when clicks > 0 then orders / clicks end as double) as cvr_click,
        cast(case when viewers > 0 then orders / viewers end as double) as cvr_viewer,
        cast(case when viewers > 0 then revenue / viewers end as double) as rpv,
        cast(case when orders > 0 then revenue / orders end as double) as aov,
        ad_spend,
        cast(case when orders > 0 then ad_spend / orders end as double) as cpa,
        cast(case when ad_spend > 0 then revenue / ad_spend end as double) as roas,
        cast(case
            when commission_rate is not null then round(commission_rate * revenue, 2)
            else commission_reported
        end as decimal(18, 2)) as commission,
        cast(case when orders > 0 then new_customer_orders / orders end as double) as new_customer_share,
        currency,
        title,
        timezone,
        experiment_id,
        variant,
        tested_variable,
        host,
        followers,
        follower_tier,
        campaign_id
    from audience
)

select * from kpis order by started_at, stream_id
