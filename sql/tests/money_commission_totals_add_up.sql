-- commission_totals holds, per affiliate × merchant × currency, exactly the
-- sums of commission_reconciliation: expected, reported, gap and order counts
with

reconciliation as (
    select * from commission_reconciliation
),

totals as (
    select * from commission_totals
),

summed as (
    select
        affiliate_id,
        merchant_id,
        currency,
        count(*) as orders,
        sum(commission_expected) as commission_expected,
        sum(commission_reported) as commission_reported,
        sum(commission_gap) as commission_gap
    from reconciliation
    group by affiliate_id, merchant_id, currency
),

compared as (
    select
        coalesce(summed.affiliate_id, totals.affiliate_id) as affiliate_id,
        coalesce(summed.merchant_id, totals.merchant_id) as merchant_id,
        coalesce(summed.currency, totals.currency) as currency,
        summed.orders as orders_summed,
        totals.orders as orders_in_totals,
        summed.commission_expected as expected_summed,
        totals.commission_expected as expected_in_totals,
        summed.commission_reported as reported_summed,
        totals.commission_reported as reported_in_totals,
        summed.commission_gap as gap_summed,
        totals.commission_gap as gap_in_totals,
        totals.orders_ok + totals.orders_missing_in_report + totals.orders_reported_on_reversed
            + totals.orders_rate_mismatch + totals.orders_amount_mismatch + totals.orders_not_attributed
            + totals.orders_not_reported_by_source + totals.orders_no_rate as orders_by_reason
    from summed
    full outer join totals
        on totals.affiliate_id is not distinct from summed.affiliate_id
        and totals.merchant_id = summed.merchant_id
        and totals.currency = summed.currency
)

select *
from compared
where orders_summed is distinct from orders_in_totals
    or expected_summed is distinct from expected_in_totals
    or reported_summed is distinct from reported_in_totals
    or gap_summed is distinct from gap_in_totals
    or orders_by_reason is distinct from orders_in_totals
