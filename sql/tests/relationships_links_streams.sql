-- every tracked link belongs to a stream of the plan
select links.link_id, links.stream_id
from stg_links as links
left join stg_streams as streams on streams.stream_id = links.stream_id
where streams.stream_id is null
