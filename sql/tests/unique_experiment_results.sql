-- experiment_results has one row per experiment × metric × variant, none without a key
select experiment_id, metric, variant, count(*) as rows_with_key
from experiment_results
group by experiment_id, metric, variant
having count(*) > 1 or experiment_id is null or metric is null or variant is null
