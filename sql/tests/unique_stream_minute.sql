-- stream_minute has one row per stream and minute
select stream_id, minute, count(*) as rows_with_key
from stream_minute
group by stream_id, minute
having count(*) > 1 or stream_id is null or minute is null
