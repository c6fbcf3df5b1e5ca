-- one row per order credited to a stream (merchant_id, order_id): the orders
-- int_orders_attributed matches to a stream by coupon or tracking id, whatever
-- their status now (a reversed order keeps the stream it was credited to, so
-- a commission reported on it can be found). is_attributable says whether
-- the order counts for the stream today (pending or approved).
--
-- net_revenue here is the commission basis: the order's net revenue after
-- refunds (net_revenue − refunded), so a partial refund lowers the commission.
-- The rate applied, first that is set (rate_source):
--   drop             the commission_rate of the drop the order is credited to
--   stream           the stream's commission_rate
--   merchant_config  commission_rates.<merchant_id> of postlive.yaml
-- The drop is the credited stream's drop whose code (coupon match) or
-- tracking id (tracking match) the order carries and whose window starts
-- latest at or before the order, else the earliest upcoming one; an order
-- tracked through a link has no drop. commission_expected = round(rate ×
-- net_revenue, 2) with the rate as a 6-place decimal (half away from zero);
-- 0.00 for a void order (reversed, cancelled, refunded or refunded in full);
-- NULL when no rate is known. commission_reported is what the order's export
-- reports (NULL when it reports nothing); source_reports_commission says
-- whether the export file of the order's newest version reports a commission
-- for any of its orders (network reports do, a shop's own export does not).
--
-- materialized: table (read by four marts, int_order_codes and
-- int_order_import_states; computed once per build)
with

orders as (
    select * from int_orders_attributed
),

versions as (
    select * from stg_order_versions
),

streams as (
    select * from stg_streams
),

drops as (
    select * from stg_drops
),

merchant_rates as (
    select * from commission_rate_settings
),

newest_version as (
    select merchant_id, order_id, source_sha256
    from stg_orders
),

commission_files as (
    select distinct source_sha256 from versions where commission is not null
),

credited as (
    select * from orders where matched_stream_id is not null
),

drop_candidates as (
    select
        credited.merchant_id,
        credited.order_id,
        drops.drop_id,
        drops.commission_rate,
        row_number() over (
            partition by credited.merchant_id, credited.order_id
            order by
                drops.starts_at <= credited.ordered_at desc,
                case when drops.starts_at <= credited.ordered_at then drops.starts_at end desc,
                drops.starts_at,
                drops.drop_id
        ) as drop_rank
    from credited
    inner join drops
        on drops.stream_id = credited.matched_stream_id
        and (
            (credited.matched_stream_by = 'coupon' and drops.coupon_code = credited.coupon_code)
            or (credited.matched_stream_by = 'tracking_id' and lower(drops.tracking_id) = lower(trim(credited.tracking_id)))
        )
),

rated as (
    select
        credited.merchant_id,
        credited.order_id,
        credited.order_name,
        credited.matched_stream_id as stream_id,
        drop_candidates.drop_id,
        streams.affiliate_id,
        credited.matched_stream_by as matched_by,
        credited.ordered_at,
        credited.currency,
        credited.status,
        credited.is_attributable,
        credited.status = 'reversed' as is_reversed,
        credited.status in ('cancelled', 'refunded', 'reversed')
            or (credited.refunded > 0 and credited.refunded >= credited.net_revenue) as is_void,
        credited.is_adjustment,
        credited.net_revenue as order_net_revenue,
        credited.refunded,
        cast((credited.net_revenue - credited.refunded) as decimal(18, 2)) as net_revenue,
        coalesce(drop_candidates.commission_rate, streams.commission_rate, merchant_rates.commission_rate) as commission_rate,
        case
            when drop_candidates.commission_rate is not null then 'drop'
            when streams.commission_rate is not null then 'stream'
            when merchant_rates.commission_rate is not null then 'merchant_config'
        end as rate_source,
        cast(credited.commission as decimal(18, 2)) as commission_reported,
        commission_files.source_sha256 is not null as source_reports_commission,
        credited.source_format
    from credited
    inner join streams on streams.stream_id = credited.matched_stream_id
    left join drop_candidates
        on drop_candidates.merchant_id = credited.merchant_id
        and drop_candidates.order_id = credited.order_id
        and drop_candidates.drop_rank = 1
    left join merchant_rates on merchant_rates.merchant_id = credited.merchant_id
    left join newest_version
        on newest_version.merchant_id = credited.merchant_id
        and newest_version.order_id = credited.order_id
    left join commission_files on commission_files.source_sha256 = newest_version.source_sha256
),

final as (
    select
        merchant_id,
        order_id,
        order_name,
        stream_id,
        drop_id,
        affiliate_id,
        matched_by,
        ordered_at,
        currency,
        status,
        is_attributable,
        is_reversed,
        is_void,
        is_adjustment,
        order_net_revenue,
        refunded,
        net_revenue,
        commission_rate,
        rate_source,
        cast(case
            when is_void then 0.00
            when commission_rate is not null then round(cast(commission_rate as decimal(9, 6)) * net_revenue, 2)
        end as decimal(18, 2)) as commission_expected,
        commission_reported,
        source_reports_commission,
        source_format
    from rated
)

select * from final
