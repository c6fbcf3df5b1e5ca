-- every drop belongs to a stream of the plan; import the stream (streams.csv) or fix drops.stream_id
select drops.drop_id, drops.stream_id
from stg_drops as drops
left join stg_streams as streams on streams.stream_id = drops.stream_id
where streams.stream_id is null
