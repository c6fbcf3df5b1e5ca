-- one row per affiliate × merchant × currency: the commission_reconciliation
-- rows summed, with a count of orders per reason. Orders no stream is credited
-- with (reason not_attributed) have no affiliate: their row has affiliate_id
-- NULL. Sums of money only; commission_basis is Σ net revenue after refunds of
-- the orders that are not void.
with

reconciliation as (
    select * from commission_reconciliation
),

totals as (
    select
        affiliate_id,
        merchant_id,
        currency,
        count(*) as orders,
        count(*) filter (where is_attributable) as orders_attributable,
        count(*) filter (where is_void) as orders_void,
        count(*) filter (where is_reversed) as orders_reversed,
        count(*) filter (where is_reversed_after_approval) as orders_reversed_after_approval,
        cast(coalesce(sum(net_revenue) filter (where not is_void), 0) as decimal(18, 2)) as commission_basis,
        cast(sum(commission_expected) as decimal(18, 2)) as commission_expected,
        cast(sum(commission_reported) as decimal(18, 2)) as commission_reported,
        cast(sum(commission_gap) as decimal(18, 2)) as commission_gap,
        count(*) filter (where reason = 'ok') as orders_ok,
        count(*) filter (where reason = 'missing_in_report') as orders_missing_in_report,
        count(*) filter (where reason = 'reported_on_reversed') as orders_reported_on_reversed,
        count(*) filter (where reason = 'rate_mismatch') as orders_rate_mismatch,
        count(*) filter (where reason = 'amount_mismatch') as orders_amount_mismatch,
        count(*) filter (where reason = 'not_attributed') as orders_not_attributed,
        count(*) filter (where reason = 'not_reported_by_source') as orders_not_reported_by_source,
        count(*) filter (where reason = 'no_rate') as orders_no_rate
    from reconciliation
    group by affiliate_id, merchant_id, currency
)

select * from totals order by merchant_id, affiliate_id nulls last, currency
