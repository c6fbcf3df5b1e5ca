-- one row per order and status it has carried (merchant_id, order_id, status):
-- when an import first carried that status. first_seen_at is the manifest's
-- imported_at of the first import (lowest import_seq) whose file had the order
-- in that status, import_seq that import; last_seen_at the newest import that
-- still carried it. Orders move pending → approved → reversed over nightly
-- imports, so "3 orders reversed since 2026-11-14" counts the orders whose
-- reversed row has first_seen_at >= that date. status_seq numbers an order's
-- statuses in the order they were first seen (1 = the first); is_current marks
-- the status of the newest import (the one stg_orders keeps).
with

versions as (
    select * from stg_order_versions
),

orders as (
    select * from stg_orders
),

sightings as (
    select
        merchant_id,
        order_id,
        status,
        imported_at,
        import_seq,
        row_number() over (
            partition by merchant_id, order_id, status
            order by import_seq, imported_at, source_line
        ) as sighting
    from versions
),

per_status as (
    select
        merchant_id,
        order_id,
        status,
        min(imported_at) filter (where sighting = 1) as first_seen_at,
        min(import_seq) as import_seq,
        max(imported_at) as last_seen_at,
        max(import_seq) as last_import_seq,
        count(distinct import_seq) as imports_seen
    from sightings
    group by merchant_id, order_id, status
),

history as (
    select
        per_status.merchant_id,
        per_status.order_id,
        per_status.status,
        per_status.first_seen_at,
        per_status.import_seq,
        per_status.last_seen_at,
        per_status.last_import_seq,
        per_status.imports_seen,
        row_number() over (
            partition by per_status.merchant_id, per_status.order_id
            order by per_status.import_seq, per_status.first_seen_at, per_status.status
        ) as status_seq,
        orders.status is not distinct from per_status.status as is_current
    from per_status
    left join orders
        on orders.merchant_id = per_status.merchant_id
        and orders.order_id = per_status.order_id
)

select * from history
