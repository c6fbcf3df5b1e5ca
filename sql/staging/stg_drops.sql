-- one row per drop; the newest import of a drop wins
with source as (
    select * from read_parquet('lake/drops/**/*.parquet', union_by_name = true)
    where source_sha256 in (select sha256 from stg_manifest)
),

ranked as (
    select
        *,
        row_number() over (partition by drop_id order by import_seq desc, source_line desc) as version_rank
    from source
)

select
    drop_id,
    stream_id,
    starts_at::timestamp as starts_at,
    ends_at::timestamp as ends_at,
    structure,
    coupon_code,
    tracking_id,
    quantity_limit,
    bonus_first_n,
    discount_pct,
    discount_amount,
    commission_rate
from ranked
where version_rank = 1
