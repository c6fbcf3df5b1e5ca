-- experiment metrics are the four ratio metrics of docs/statistics.md
select experiment_id, metric, variant
from experiment_results
where metric is null or metric not in ('rpv', 'cvr_click', 'ctr', 'aov')
