-- stream_compliance has one row per stream × check, and every stream has all three checks
select stream_id, check_name, count(*) as rows_with_key
from stream_compliance
group by stream_id, check_name
having count(*) > 1 or stream_id is null or check_name is null
union all
select stream_kpis.stream_id, 'missing checks' as check_name, count(stream_compliance.check_name) as rows_with_key
from stream_kpis
left join stream_compliance on stream_compliance.stream_id = stream_kpis.stream_id
group by stream_kpis.stream_id
having count(stream_compliance.check_name) <> 3
