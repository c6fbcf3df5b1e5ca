-- leak signals are those of docs/reconciliation.md § Leaked codes, and only
-- redemptions that count against a drop carry one
select redemption_id, status, leak_signal
from coupon_reconciliation
where leak_signal not in ('before_window', 'long_after_window', 'no_click')
    or (leak_signal is not null and status not in ('in_window', 'over_quantity', 'before_window', 'after_window'))
