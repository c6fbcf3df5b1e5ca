-- one row per campaign (level 'campaign', affiliate_id NULL) and per
-- campaign × creator (level 'creator'): what the campaign's streams sold and
-- what it cost (docs/metrics.md § Campaigns). A stream belongs to a campaign
-- by int_stream_campaigns.
--   viewers          Σ the streams' viewers (one person watching two streams
--                    counts twice)
--   discount_value   Σ discount of the streams' attributed orders
--   ad_spend         Σ spend mapped to the streams (0 when none is)
--   flat_fees, commission, performance_bonus, first_n_bonus
--                    what the creators are owed for these streams today:
--                    Σ payout_lines of that obligation, clawbacks included
--   creator_cost     flat_fees + commission + performance_bonus + first_n_bonus
--   total_cost       creator_cost + discount_value + ad_spend
--   true_cpa         total_cost / orders (NULL without orders)
--   revenue_share    the creator's share of the campaign's revenue (1 on the
--                    campaign row); NULL on every row of a campaign whose
--                    revenue is not above 0
with

kpis as (
    select * from stream_kpis
),

stream_campaigns as (
    select * from int_stream_campaigns
),

attributed as (
    select * from int_orders_attributed
),

lines as (
    select * from payout_lines
),

campaign_streams as (
    select
        stream_campaigns.campaign_id,
        stream_campaigns.campaign_name,
        kpis.stream_id,
        kpis.affiliate_id,
        kpis.started_at,
        kpis.viewers,
        kpis.clicks,
        kpis.orders,
        kpis.revenue,
        coalesce(kpis.ad_spend, 0) as ad_spend,
        kpis.currency
    from kpis
    inner join stream_campaigns on stream_campaigns.stream_id = kpis.stream_id
    where stream_campaigns.campaign_id is not null
),

stream_discounts as (
    select stream_id, sum(coalesce(discount, 0)) as discount_value
    from attributed
    where is_attributable and stream_id is not null
    group by stream_id
),

stream_costs as (
    select
        stream_id,
        sum(amount) filter (where obligation = 'flat_fee') as flat_fees,
        sum(amount) filter (where obligation = 'commission') as commission,
        sum(amount) filter (where obligation = 'performance_bonus') as performance_bonus,
        sum(amount) filter (where obligation = 'first_n_bonus') as first_n_bonus
    from lines
    where stream_id is not null
    group by stream_id
),

stream_rows as (
    select
        campaign_streams.*,
        coalesce(stream_discounts.discount_value, 0) as discount_value,
        coalesce(stream_costs.flat_fees, 0) as flat_fees,
        coalesce(stream_costs.commission, 0) as commission,
        coalesce(stream_costs.performance_bonus, 0) as performance_bonus,
        coalesce(stream_costs.first_n_bonus, 0) as first_n_bonus
    from campaign_streams
    left join stream_discounts on stream_discounts.stream_id = campaign_streams.stream_id
    left join stream_costs on stream_costs.stream_id = campaign_streams.stream_id
),

grouped as (
    select
        campaign_id,
        min(campaign_name) as campaign_name,
        case when grouping(affiliate_id) = 1 then 'campaign' else 'creator' end as level,
        affiliate_id,
        count(*) as streams,
        count(distinct affiliate_id) as creators,
        min(started_at) as first_stream_at,
        max(started_at) as last_stream_at,
        sum(viewers) as viewers,
        sum(clicks) as clicks,
        sum(orders) as orders,
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        cast(sum(discount_value) as decimal(18, 2)) as discount_value,
        cast(sum(ad_spend) as decimal(18, 2)) as ad_spend,
        cast(sum(flat_fees) as decimal(18, 2)) as flat_fees,
        cast(sum(commission) as decimal(18, 2)) as commission,
        cast(sum(performance_bonus) as decimal(18, 2)) as performance_bonus,
        cast(sum(first_n_bonus) as decimal(18, 2)) as first_n_bonus,
        min(currency) as currency
    from stream_rows
    group by grouping sets ((campaign_id, affiliate_id), (campaign_id))
),

costed as (
    select
        *,
        cast((flat_fees + commission + performance_bonus + first_n_bonus) as decimal(18, 2)) as creator_cost,
        cast((flat_fees + commission + performance_bonus + first_n_bonus + discount_value + ad_spend) as decimal(18, 2)) as total_cost
    from grouped
),

final as (
    select
        costed.campaign_id,
        costed.campaign_name,
        costed.level,
        costed.affiliate_id,
        costed.streams,
        costed.creators,
        costed.first_stream_at,
        costed.last_stream_at,
        costed.viewers,
        costed.clicks,
        costed.orders,
        costed.revenue,
        cast(case when costed.viewers > 0 then costed.revenue / costed.viewers end as double) as rpv,
        cast(case when campaign_totals.revenue > 0 then costed.revenue / campaign_totals.revenue end as double) as revenue_share,
        costed.discount_value,
        costed.ad_spend,
        costed.flat_fees,
        costed.commission,
        costed.performance_bonus,
        costed.first_n_bonus,
        costed.creator_cost,
        costed.total_cost,
        cast(case when costed.orders > 0 then costed.total_cost / costed.orders end as double) as true_cpa,
        costed.currency
    from costed
    inner join costed as campaign_totals
        on campaign_totals.campaign_id = costed.campaign_id
        and campaign_totals.level = 'campaign'
)

select * from final order by campaign_id, level = 'creator', affiliate_id
