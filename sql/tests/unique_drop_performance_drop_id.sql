-- drop_performance has one row per drop
select drop_id, count(*) as rows_with_id
from drop_performance
group by drop_id
having count(*) > 1 or drop_id is null
