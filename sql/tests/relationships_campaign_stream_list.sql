-- every stream listed in campaigns.<id>.streams of postlive.yaml exists in the plan; fix the id in postlive.yaml or import the stream
select campaign_stream_list.campaign_id, campaign_stream_list.stream_id
from campaign_stream_list
left join stg_streams on stg_streams.stream_id = campaign_stream_list.stream_id
where stg_streams.stream_id is null
