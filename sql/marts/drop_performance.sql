-- one row per drop: how its window sold. redemptions_in_window counts the
-- non-void in-window redemptions including those over the cap; sell_through =
-- min(that, quantity_limit) / quantity_limit; sold_out_at is when the
-- redemption ranked quantity_limit came in; bonus_awarded = min(that,
-- bonus_first_n); revenue_in_window = Σ(net − refunded) of the in-window ones.
with

drops as (
    select * from stg_drops
),

reconciled as (
    select * from int_redemptions_reconciled
),

per_drop as (
    select
        drop_id,
        count(*) filter (where status in ('in_window', 'over_quantity')) as redemptions_in_window,
        count(*) filter (where status = 'over_quantity') as over_quantity,
        count(*) filter (where status = 'before_window') as before_window,
        count(*) filter (where status = 'after_window') as after_window,
        coalesce(sum(net_revenue - refunded) filter (where status in ('in_window', 'over_quantity')), 0) as revenue_in_window
    from reconciled
    where drop_id is not null
    group by drop_id
),

sold_out as (
    select reconciled.drop_id, reconciled.redeemed_at as sold_out_at
    from reconciled
    inner join drops on drops.drop_id = reconciled.drop_id
    where reconciled.rank_in_window = drops.quantity_limit
),

final as (
    select
        drops.drop_id,
        drops.stream_id,
        drops.coupon_code,
        drops.structure,
        drops.starts_at,
        drops.ends_at,
        drops.quantity_limit,
        drops.bonus_first_n,
        coalesce(per_drop.redemptions_in_window, 0) as redemptions_in_window,
        cast(case
            when drops.quantity_limit > 0
                then least(coalesce(per_drop.redemptions_in_window, 0), drops.quantity_limit) / drops.quantity_limit
        end as double) as sell_through,
        sold_out.sold_out_at,
        coalesce(per_drop.before_window, 0) as before_window,
        coalesce(per_drop.after_window, 0) as after_window,
        coalesce(per_drop.over_quantity, 0) as over_quantity,
        case
            when drops.bonus_first_n is not null
                then least(coalesce(per_drop.redemptions_in_window, 0), drops.bonus_first_n)
        end as bonus_awarded,
        cast(coalesce(per_drop.revenue_in_window, 0) as decimal(18, 2)) as revenue_in_window
    from drops
    left join per_drop on per_drop.drop_id = drops.drop_id
    left join sold_out on sold_out.drop_id = drops.drop_id
)

select * from final order by starts_at, drop_id
