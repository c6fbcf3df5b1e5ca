-- one row per order (merchant_id, order_id): the code a creator knows it by
-- on a statement (docs/payouts.md § Money by state) — the coupon code of the
-- drop the order is credited to, else the order's own coupon code, else its
-- tracking id.
with

orders as (
    select * from stg_orders
),

commissions as (
    select * from int_order_commissions
),

drops as (
    select * from stg_drops
),

final as (
    select
        orders.merchant_id,
        orders.order_id,
        coalesce(drops.coupon_code, orders.coupon_code, orders.tracking_id) as code
    from orders
    left join commissions
        on commissions.merchant_id = orders.merchant_id
        and commissions.order_id = orders.order_id
    left join drops on drops.drop_id = commissions.drop_id
)

select * from final
