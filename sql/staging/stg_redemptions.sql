-- one row per coupon redemption as seen in the exports. The newest import of
-- each source format wins for a (merchant, code, order); repeats inside that
-- import, or the same redemption reported by two sources, are kept so that
-- reconciliation can mark them duplicate.
with source as (
    select * from read_parquet('lake/redemptions/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

newest_import as (
    select
        *,
        max(import_seq) over (partition by merchant_id, coupon_code, order_id, source_format) as newest_seq
    from source
)

select
    source_sha256 || ':' || source_line as redemption_id,
    merchant_id,
    coupon_code,
    order_id,
    redeemed_at::timestamp as redeemed_at,
    discount_amount,
    source_format,
    import_seq,
    source_line
from newest_import
where import_seq = newest_seq
