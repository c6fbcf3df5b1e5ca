-- every metric sample belongs to a stream of the plan
select metrics.stream_id, count(*) as samples
from stg_stream_metrics as metrics
left join stg_streams as streams on streams.stream_id = metrics.stream_id
where streams.stream_id is null
group by metrics.stream_id
