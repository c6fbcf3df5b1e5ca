-- the gap is reported − expected (nothing reported counts as 0.00 for an
-- order missing in the report), empty only where nothing can be compared;
-- a void order expects 0.00; every order credited to a stream is reconciled
-- (the credited orders are int_orders_attributed's with a matched stream:
-- the rows of int_order_commissions, read from the table instead of running
-- that view again)
with

reconciliation as (
    select * from commission_reconciliation
),

credited as (
    select merchant_id, order_id, commission from int_orders_attributed where matched_stream_id is not null
),

bad_gaps as (
    select merchant_id, order_id, reason, commission_expected, commission_reported, commission_gap
    from reconciliation
    where (reason in ('not_reported_by_source', 'no_rate') and commission_gap is not null)
        or (reason not in ('not_reported_by_source', 'no_rate')
            and commission_gap is distinct from coalesce(commission_reported, 0) - commission_expected)
        or (is_void and commission_expected <> 0)
        or (reason = 'ok' and abs(commission_gap) > 0.01)
),

missing as (
    select credited.merchant_id, credited.order_id, 'not reconciled' as reason,
        null::decimal(18, 2) as commission_expected, cast(credited.commission as decimal(18, 2)) as commission_reported,
        null::decimal(18, 2) as commission_gap
    from credited
    left join reconciliation
        on reconciliation.merchant_id = credited.merchant_id
        and reconciliation.order_id = credited.order_id
    where reconciliation.order_id is null
)

select * from bad_gaps
union all
select * from missing
