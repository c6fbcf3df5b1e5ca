-- experiment_deviations has at most one row per experiment and stream, and
-- a planned stream's deviation names a variant of its plan
select experiment_id, stream_id, count(*) as rows_with_key
from experiment_deviations
where experiment_id is not null and stream_id is not null
group by experiment_id, stream_id
having count(*) > 1
union all
select experiment_id, stream_id, 1 as rows_with_key
from experiment_deviations
where experiment_id is null or stream_id is null
    or (planned_variant is not null and not exists (
        select 1 from experiment_plan_arms
        where experiment_plan_arms.experiment_id = experiment_deviations.experiment_id
            and experiment_plan_arms.variant = experiment_deviations.planned_variant
    ))
