-- one row per spend row, with the stream it pays for: the explicit stream_id
-- when that stream exists, else the stream whose id appears in the campaign
-- name (the longest such id, then the smallest).
with

spend as (
    select * from stg_spend
),

streams as (
    select stream_id from stg_streams
),

named_in_campaign as (
    select
        spend.spend_row_id,
        streams.stream_id,
        row_number() over (partition by spend.spend_row_id order by length(streams.stream_id) desc, streams.stream_id) as name_rank
    from spend
    inner join streams on contains(spend.campaign, streams.stream_id)
),

mapped as (
    select
        spend.*,
        coalesce(explicit.stream_id, named_in_campaign.stream_id) as stream_id
    from spend
    left join streams as explicit on explicit.stream_id = spend.explicit_stream_id
    left join named_in_campaign on named_in_campaign.spend_row_id = spend.spend_row_id and named_in_campaign.name_rank = 1
)

select * from mapped
