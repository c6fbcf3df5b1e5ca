-- every obligation's payout lines, across periods, add up to what it is worth
-- today: an order's expected commission (int_order_commissions' figure, read
-- from commission_reconciliation, the table that carries it for every credited
-- order, instead of running the view again), a stream's
-- performance bonus on its stream_kpis revenue, a redemption's first-N bonus
-- when coupon_reconciliation marks it bonus_eligible
with

lines as (
    select * from payout_lines
),

commission_paid as (
    select merchant_id, order_id, sum(amount) as paid
    from lines
    where obligation = 'commission'
    group by merchant_id, order_id
),

commission_owed as (
    select merchant_id, order_id, commission_expected as owed
    from commission_reconciliation
    where stream_id is not null and commission_expected <> 0
),

commission_diff as (
    select
        'commission' as obligation,
        coalesce(commission_owed.merchant_id, commission_paid.merchant_id) || ':'
            || coalesce(commission_owed.order_id, commission_paid.order_id) as item,
        coalesce(commission_owed.owed, 0) as owed,
        coalesce(commission_paid.paid, 0) as paid
    from commission_owed
    full outer join commission_paid
        on commission_paid.merchant_id = commission_owed.merchant_id
        and commission_paid.order_id = commission_owed.order_id
),

bonus_owed as (
    select stream_kpis.stream_id, coalesce(arg_max(campaign_bonus_tiers.amount, campaign_bonus_tiers.revenue_over), 0) as owed
    from stream_kpis
    inner join int_stream_campaigns on int_stream_campaigns.stream_id = stream_kpis.stream_id
    inner join campaign_bonus_tiers
        on campaign_bonus_tiers.campaign_id = int_stream_campaigns.campaign_id
        and stream_kpis.revenue > campaign_bonus_tiers.revenue_over
    group by stream_kpis.stream_id
),

bonus_paid as (
    select stream_id, sum(amount) as paid
    from lines
    where obligation = 'performance_bonus'
    group by stream_id
),

bonus_diff as (
    select
        'performance_bonus' as obligation,
        coalesce(bonus_owed.stream_id, bonus_paid.stream_id) as item,
        coalesce(bonus_owed.owed, 0) as owed,
        coalesce(bonus_paid.paid, 0) as paid
    from bonus_owed
    full outer join bonus_paid on bonus_paid.stream_id = bonus_owed.stream_id
),

first_n_owed as (
    select coupon_reconciliation.redemption_id, int_stream_campaigns.campaign_first_n_bonus as owed
    from coupon_reconciliation
    inner join int_stream_campaigns on int_stream_campaigns.stream_id = coupon_reconciliation.stream_id
    where coupon_reconciliation.bonus_eligible and int_stream_campaigns.campaign_first_n_bonus > 0
),

first_n_paid as (
    select redemption_id, sum(amount) as paid
    from lines
    where obligation = 'first_n_bonus'
    group by redemption_id
),

first_n_diff as (
    select
        'first_n_bonus' as obligation,
        coalesce(first_n_owed.redemption_id, first_n_paid.redemption_id) as item,
        coalesce(first_n_owed.owed, 0) as owed,
        coalesce(first_n_paid.paid, 0) as paid
    from first_n_owed
    full outer join first_n_paid on first_n_paid.redemption_id = first_n_owed.redemption_id
)

select * from commission_diff where owed <> paid
union all
select * from bonus_diff where owed <> paid
union all
select * from first_n_diff where owed <> paid
