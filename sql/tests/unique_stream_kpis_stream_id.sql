-- stream_kpis has exactly one row per stream, and no stream without an id
select stream_id, count(*) as rows_with_id
from stream_kpis
group by stream_id
having count(*) > 1 or stream_id is null
