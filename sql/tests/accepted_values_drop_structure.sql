-- drop structures are the three of the design
select drop_id, structure
from stg_drops
where structure is not null and structure not in ('limited_quantity', 'time_limited', 'tiered_bonus')
