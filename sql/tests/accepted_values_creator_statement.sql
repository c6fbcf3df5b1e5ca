-- money states and reversal reasons are those of docs/payouts.md § Money by state
select 'creator_statement.state' as column_name, line_id as item, state as value
from creator_statement
where state is null or state not in ('pending', 'approved', 'paid')
union all
select 'creator_statement.reversal_reason', line_id, reversal_reason
from creator_statement
where is_reversal and reversal_reason is null
union all
select 'creator_reversals.reason', reversal_id, reason
from creator_reversals
where reason is null or reason not in ('return', 'cancellation', 'reversal', 'refund', 'partial_refund',
    'revenue_below_tier', 'no_longer_first_n', 'correction')
union all
select 'creator_reversals.stage', reversal_id, stage
from creator_reversals
where stage is null or stage not in ('before_close', 'in_period', 'after_close')
