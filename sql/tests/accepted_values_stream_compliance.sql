-- compliance checks and statuses are those of docs/metrics.md § Compliance, and passed agrees with status
select stream_id, check_name, status, passed
from stream_compliance
where check_name not in ('disclosure', 'min_length', 'drop_window')
    or status not in ('pass', 'fail', 'info', 'not_checked')
    or (status = 'info' and check_name <> 'drop_window')
    or (status = 'pass') is distinct from (passed is true)
    or (status = 'fail') is distinct from (passed is false)
