-- commission reasons are those of docs/reconciliation.md § Commission, and
-- rate_source names where the rate came from exactly when there is a rate
select merchant_id, order_id, reason, rate_source, commission_rate
from commission_reconciliation
where reason is null
    or reason not in ('ok', 'missing_in_report', 'reported_on_reversed', 'rate_mismatch', 'amount_mismatch',
        'not_attributed', 'not_reported_by_source', 'no_rate')
    or (rate_source is not null and rate_source not in ('drop', 'stream', 'merchant_config'))
    or ((rate_source is null) <> (commission_rate is null))
