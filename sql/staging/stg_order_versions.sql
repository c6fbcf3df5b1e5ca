-- one row per imported version of an order: every row of every imported file
-- that carried (merchant_id, order_id), with the file's import time from the
-- manifest. stg_orders keeps only the newest version of each order; the order
-- status history (int_order_status_history) reads them all.
--
-- materialized: table (five models read it; computed once per build)
with source as (
    select * from read_parquet('lake/orders/**/*.parquet', union_by_name = true)
),

manifest as (
    select * from stg_manifest
),

versions as (
    select
        source.merchant_id,
        source.order_id,
        coalesce(source.status, 'approved') as status,
        source.ordered_at::timestamp as ordered_at,
        upper(source.currency) as currency,
        source.net_revenue,
        coalesce(source.refunded, 0)::decimal(18, 2) as refunded,
        source.commission,
        source.coupon_code,
        source.tracking_id,
        source.source_format,
        source.source_sha256,
        source.source_line,
        source.import_seq,
        manifest.imported_at
    from source
    inner join manifest on manifest.sha256 = source.source_sha256
)

select * from versions
