-- one row per order (merchant_id, order_id) that is credited to a stream or
-- for which an export reports a commission: the commission postlive expects
-- against the one reported, the gap, and the reason (docs/reconciliation.md
-- § Commission), with the dates the order's statuses were first imported.
--
-- reason, first that applies (tolerance: a gap of at most 0.01 is rounding):
--   not_attributed          a non-zero commission is reported but no stream is
--                           credited with the order; expected 0.00, gap = reported
--   reported_on_reversed    the order is void (reversed, cancelled, refunded, or
--                           refunded in full) yet a non-zero commission is
--                           reported; expected 0.00, gap = reported
--   not_reported_by_source  nothing reported and the order's export reports no
--                           commission for any order (a shop's own export):
--                           nothing to compare, gap empty
--   ok                      void and nothing reported, or |gap| <= 0.01
--   no_rate                 no drop, stream or commission_rates.<merchant> rate:
--                           expected and gap empty
--   missing_in_report       the export reports commissions, but none for this
--                           order; gap = -expected
--   rate_mismatch           reported = a different whole-or-half-percent rate
--                           × net revenue (to the cent ± 0.01)
--   amount_mismatch         any other gap
with

commissions as (
    select * from int_order_commissions
),

orders as (
    select * from stg_orders
),

history as (
    select * from int_order_status_history
),

versions as (
    select * from stg_order_versions
),

commission_files as (
    select distinct source_sha256 from versions where commission is not null
),

not_credited as (
    select
        orders.merchant_id,
        orders.order_id,
        orders.order_name,
        cast(null as varchar) as stream_id,
        cast(null as varchar) as drop_id,
        cast(null as varchar) as affiliate_id,
        cast(null as varchar) as matched_by,
        orders.ordered_at,
        orders.currency,
        orders.status,
        orders.status in ('pending', 'approved') as is_attributable,
        orders.status = 'reversed' as is_reversed,
        orders.status in ('cancelled', 'refunded', 'reversed')
            or (orders.refunded > 0 and orders.refunded >= orders.net_revenue) as is_void,
        orders.net_revenue < 0 as is_adjustment,
        orders.net_revenue as order_net_revenue,
        orders.refunded,
        cast((orders.net_revenue - orders.refunded) as decimal(18, 2)) as net_revenue,
        cast(null as double) as commission_rate,
        cast(null as varchar) as rate_source,
        cast(0.00 as decimal(18, 2)) as commission_expected,
        cast(orders.commission as decimal(18, 2)) as commission_reported,
        true as source_reports_commission,
        orders.source_format
    from orders
    where orders.commission is not null
        and orders.commission <> 0
        and not exists (
            select 1 from commissions
            where commissions.merchant_id = orders.merchant_id and commissions.order_id = orders.order_id
        )
),

unioned as (
    select * from commissions
    union all by name
    select * from not_credited
),

implied as (
    select
        *,
        case
            when commission_reported is not null and net_revenue <> 0
                then round(cast(commission_reported as double) / cast(net_revenue as double), 4)
        end as reported_rate,
        case
            when commission_reported is not null and net_revenue <> 0
                then cast((round(cast(commission_reported as double) / cast(net_revenue as double) * 200) / 200) as decimal(9, 3))
        end as clean_rate
    from unioned
),

reasoned as (
    select
        *,
        case
            when stream_id is null then 'not_attributed'
            when is_void and coalesce(commission_reported, 0) <> 0 then 'reported_on_reversed'
            when commission_reported is null and not source_reports_commission then 'not_reported_by_source'
            when is_void then 'ok'
            when commission_expected is null then 'no_rate'
            when commission_reported is null and commission_expected = 0 then 'ok'
            when commission_reported is null then 'missing_in_report'
            when abs(commission_reported - commission_expected) <= 0.01 then 'ok'
            when clean_rate > 0 and clean_rate <= 1
                and clean_rate <> cast(commission_rate as decimal(9, 6))
                and abs(round(clean_rate * net_revenue, 2) - commission_reported) <= 0.01 then 'rate_mismatch'
            else 'amount_mismatch'
        end as reason
    from implied
),

status_dates as (
    select
        merchant_id,
        order_id,
        min(first_seen_at) filter (where status = 'pending') as pending_first_seen_at,
        min(first_seen_at) filter (where status = 'approved') as approved_first_seen_at,
        min(first_seen_at) filter (where status = 'reversed') as reversed_first_seen_at,
        min(first_seen_at) filter (where status in ('cancelled', 'refunded')) as voided_first_seen_at,
        min(first_seen_at) filter (where is_current) as status_first_seen_at
    from history
    group by merchant_id, order_id
),

final as (
    select
        reasoned.merchant_id,
        reasoned.order_id,
        reasoned.order_name,
        reasoned.affiliate_id,
        reasoned.stream_id,
        reasoned.drop_id,
        reasoned.matched_by,
        reasoned.ordered_at,
        reasoned.currency,
        reasoned.status,
        reasoned.is_attributable,
        reasoned.is_void,
        reasoned.is_reversed,
        reasoned.is_adjustment,
        reasoned.order_net_revenue,
        reasoned.refunded,
        reasoned.net_revenue,
        reasoned.commission_rate,
        reasoned.rate_source,
        reasoned.commission_expected,
        reasoned.commission_reported,
        cast(case
            when reasoned.reason in ('not_reported_by_source', 'no_rate') then null
            when reasoned.reason = 'missing_in_report' then -reasoned.commission_expected
            else coalesce(reasoned.commission_reported, 0) - reasoned.commission_expected
        end as decimal(18, 2)) as commission_gap,
        reasoned.reported_rate,
        reasoned.reason,
        reasoned.source_reports_commission,
        status_dates.status_first_seen_at,
        status_dates.pending_first_seen_at,
        status_dates.approved_first_seen_at,
        status_dates.reversed_first_seen_at,
        status_dates.voided_first_seen_at,
        coalesce(status_dates.reversed_first_seen_at > status_dates.approved_first_seen_at, false) as is_reversed_after_approval,
        reasoned.source_format
    from reasoned
    left join status_dates
        on status_dates.merchant_id = reasoned.merchant_id
        and status_dates.order_id = reasoned.order_id
)

select * from final order by merchant_id, ordered_at, order_id
