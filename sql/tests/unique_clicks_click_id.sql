-- every click has one id
select click_id, count(*) as rows_with_id
from stg_clicks
group by click_id
having count(*) > 1 or click_id is null
