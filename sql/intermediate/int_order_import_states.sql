-- one row per order × import that carried it: the order as that import left
-- it (its last row in that import), for payouts as of a period's close
-- (docs/payouts.md). The stream credited, rate and currency are the order's
-- current ones (int_order_commissions; NULL for an order no stream is credited
-- with); status and amounts are the import's, so a later import that refunds
-- or reverses the order shows as a change.
--   revenue     net_revenue − refunded when the order is attributable then
--               (pending or approved), else 0: what it adds to stream revenue
--   commission  the commission model's formula on this state: 0.00 when void
--               (cancelled, refunded, reversed, or refunded in full), else
--               round(rate × (net_revenue − refunded), 2); NULL without a rate
with

versions as (
    select * from stg_order_versions
),

commissions as (
    select * from int_order_commissions
),

per_import as (
    select
        versions.merchant_id,
        versions.order_id,
        versions.import_seq,
        versions.imported_at,
        versions.status,
        versions.currency,
        versions.ordered_at,
        versions.net_revenue,
        versions.refunded
    from versions
    qualify row_number() over (
        partition by versions.merchant_id, versions.order_id, versions.import_seq
        order by versions.source_line desc
    ) = 1
),

states as (
    select
        per_import.merchant_id,
        per_import.order_id,
        commissions.stream_id,
        commissions.affiliate_id,
        coalesce(commissions.currency, per_import.currency) as currency,
        coalesce(commissions.ordered_at, per_import.ordered_at) as ordered_at,
        commissions.commission_rate,
        per_import.import_seq,
        per_import.imported_at,
        per_import.status,
        per_import.status in ('pending', 'approved') as is_attributable,
        per_import.status in ('cancelled', 'refunded', 'reversed')
            or (per_import.refunded > 0 and per_import.refunded >= per_import.net_revenue) as is_void,
        per_import.net_revenue,
        per_import.refunded,
        cast(case
            when per_import.status in ('pending', 'approved') then per_import.net_revenue - per_import.refunded
            else 0
        end as decimal(18, 2)) as revenue,
        cast(case
            when per_import.status in ('cancelled', 'refunded', 'reversed')
                or (per_import.refunded > 0 and per_import.refunded >= per_import.net_revenue) then 0.00
            when commissions.commission_rate is not null
                then round(cast(commissions.commission_rate as decimal(9, 6)) * (per_import.net_revenue - per_import.refunded), 2)
        end as decimal(18, 2)) as commission
    from per_import
    left join commissions
        on commissions.merchant_id = per_import.merchant_id
        and commissions.order_id = per_import.order_id
)

select * from states
