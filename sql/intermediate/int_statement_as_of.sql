-- one row: the moment the creator statements describe (as_of), the data's
-- own time: its newest import or recorded payment (docs/payouts.md § Money by
-- state). Taking it from the data, not the clock, keeps the marts the same for
-- the same data; NULL before anything is imported or paid.
with

imports as (
    select * from stg_manifest
),

payments as (
    select * from payout_payments
),

final as (
    select greatest(
        (select max(imported_at) from imports),
        (select max(recorded_at) from payments)
    ) as as_of
)

select * from final
