-- experiment_balance has one row per experiment × dimension, with accepted dimensions
select experiment_id, dimension, count(*) as rows_with_key
from experiment_balance
group by experiment_id, dimension
having count(*) > 1 or experiment_id is null
    or dimension not in ('platform', 'affiliate', 'weekday', 'start_hour', 'duration', 'tier')
