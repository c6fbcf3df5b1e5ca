-- every click has one id, once: stg_clicks keeps the newest import of each
-- id, and the classification's joins (stream, link, duplicates) must not
-- repeat a click (checked on the materialised table the marts read)
select click_id, count(*) as rows_with_id
from int_clicks_classified
group by click_id
having count(*) > 1 or click_id is null
