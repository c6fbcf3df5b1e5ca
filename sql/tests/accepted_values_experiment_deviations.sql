-- a deviation is one of the three kinds of experiment_deviations, and only
-- a stream the plan names carries a planned variant
select experiment_id, stream_id, deviation
from experiment_deviations
where deviation is null
    or deviation not in ('other_variant', 'missing', 'extra')
    or (deviation = 'extra') <> (planned_variant is null)
    or (deviation = 'other_variant') <> (analysed_as is not null)
