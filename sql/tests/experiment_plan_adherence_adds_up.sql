-- every planned stream of an arm is counted once: ran as planned, another
-- variant, missing or still to come; and each arm of a plan has a row
select experiment_id, variant, planned_streams, ran_as_planned, other_variant, missing, to_come
from experiment_plan_adherence
where ran_as_planned < 0
    or planned_streams <> ran_as_planned + other_variant + missing + to_come
union all
select arms.experiment_id, arms.variant, null, null, null, null, null
from experiment_plan_arms as arms
left join experiment_plan_adherence as adherence
    on adherence.experiment_id = arms.experiment_id
    and adherence.variant = arms.variant
where adherence.variant is null
