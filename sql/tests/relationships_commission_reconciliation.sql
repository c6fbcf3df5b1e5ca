-- every stream and drop commission_reconciliation credits exists, the drop
-- belongs to the stream, the affiliate is the stream's, and an order credited
-- to no stream is only there because a commission is reported on it
select
    reconciliation.merchant_id,
    reconciliation.order_id,
    reconciliation.stream_id,
    reconciliation.drop_id,
    reconciliation.affiliate_id,
    reconciliation.reason
from commission_reconciliation as reconciliation
left join stg_streams as streams on streams.stream_id = reconciliation.stream_id
left join stg_drops as drops on drops.drop_id = reconciliation.drop_id
where (reconciliation.stream_id is not null and streams.stream_id is null)
    or (reconciliation.drop_id is not null and drops.stream_id is distinct from reconciliation.stream_id)
    or reconciliation.affiliate_id is distinct from streams.affiliate_id
    or (reconciliation.stream_id is null and (reconciliation.reason <> 'not_attributed' or coalesce(reconciliation.commission_reported, 0) = 0))
