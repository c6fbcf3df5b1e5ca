-- one row per order and status it has carried (merchant_id, order_id,
-- status), from int_order_status_history: when an import first carried the
-- status (first_seen_at, the manifest's imported_at of that file), the status
-- before it, and the stream and affiliate the order is credited to (empty when
-- none). "3 orders reversed since 2026-11-14" is
--   select count(*) from order_status_history
--   where status = 'reversed' and first_seen_at >= '2026-11-14'
-- (postlive reconcile --since 2026-11-14).
with

history as (
    select * from int_order_status_history
),

orders as (
    select * from stg_orders
),

credited as (
    select merchant_id, order_id, matched_stream_id from int_orders_attributed
),

streams as (
    select * from stg_streams
),

final as (
    select
        history.merchant_id,
        history.order_id,
        orders.order_name,
        history.status,
        lag(history.status) over (
            partition by history.merchant_id, history.order_id order by history.status_seq
        ) as previous_status,
        history.status_seq,
        history.first_seen_at,
        history.import_seq,
        history.last_seen_at,
        history.is_current,
        orders.ordered_at,
        orders.currency,
        cast((orders.net_revenue - orders.refunded) as decimal(18, 2)) as net_revenue,
        credited.matched_stream_id as stream_id,
        streams.affiliate_id
    from history
    inner join orders
        on orders.merchant_id = history.merchant_id
        and orders.order_id = history.order_id
    left join credited
        on credited.merchant_id = history.merchant_id
        and credited.order_id = history.order_id
    left join streams on streams.stream_id = credited.matched_stream_id
)

select * from final order by merchant_id, first_seen_at, order_id, status_seq
