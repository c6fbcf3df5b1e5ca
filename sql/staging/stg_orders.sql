-- one row per merchant order; the newest import of an order wins, so a
-- status change (pending → approved → reversed) replaces the old version
--
-- materialized: table (nine models read it; its window runs once per build)
with source as (
    select * from read_parquet('lake/orders/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

ranked as (
    select
        *,
        row_number() over (partition by merchant_id, order_id order by import_seq desc, source_line desc) as version_rank
    from source
)

select
    merchant_id,
    order_id,
    order_name,
    ordered_at::timestamp as ordered_at,
    -- set when the export gives only a calendar day: the order happened in
    -- [ordered_at, ordered_until), the local day (docs/metrics.md)
    ordered_until::timestamp as ordered_until,
    upper(currency) as currency,
    net_revenue,
    gross_revenue,
    discount,
    coalesce(refunded, 0)::decimal(18, 2) as refunded,
    items,
    coupon_code,
    tracking_id,
    customer_key,
    is_new_customer,
    commission,
    nullif(trim(sale_key), '') as sale_key,
    coalesce(status, 'approved') as status,
    source_format,
    import_seq,
    source_sha256
from ranked
where version_rank = 1
