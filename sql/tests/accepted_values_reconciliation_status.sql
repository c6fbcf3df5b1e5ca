-- reconciliation statuses are those of docs/reconciliation.md
select redemption_id, status
from coupon_reconciliation
where status not in ('in_window', 'before_window', 'after_window', 'over_quantity', 'void', 'duplicate', 'unknown_code')
