-- order_status_history has one row per order and status with the canonical
-- statuses only, and every order has exactly one current status: the one
-- stg_orders keeps (read from int_orders_attributed, the table with one row
-- per order of stg_orders, rather than from Parquet again)
with

history as (
    select * from order_status_history
),

orders as (
    select merchant_id, order_id, status from int_orders_attributed
),

duplicates as (
    select merchant_id, order_id, status, count(*) as problem_rows, 'duplicate or bad key' as problem
    from history
    group by merchant_id, order_id, status
    having count(*) > 1 or merchant_id is null or order_id is null or bool_or(first_seen_at is null)
        or status not in ('pending', 'approved', 'refunded', 'reversed', 'cancelled')
),

current_status as (
    select orders.merchant_id, orders.order_id, orders.status, count(history.status) as problem_rows,
        'not exactly one current status' as problem
    from orders
    left join history
        on history.merchant_id = orders.merchant_id
        and history.order_id = orders.order_id
        and history.is_current
        and history.status = orders.status
    group by all
    having count(history.status) <> 1
)

select * from duplicates
union all
select * from current_status
