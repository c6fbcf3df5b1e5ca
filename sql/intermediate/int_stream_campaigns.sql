-- one row per stream: the campaign it belongs to, if any (docs/payouts.md).
-- A stream listed in campaigns.<id>.streams of postlive.yaml belongs to that
-- campaign; else to its streams.campaign_id; else to the campaign whose
-- stream_prefix is the longest start of its id (then the smaller campaign id).
--   campaign_source   config_list, streams_table or config_prefix
--   is_configured     the campaign has a campaigns.<id> entry (its payout
--                     terms: flat_fee, bonuses, first_n_bonus)
with

streams as (
    select * from stg_streams
),

campaigns as (
    select * from campaign_settings
),

listed as (
    select * from campaign_stream_list
),

prefixed as (
    select
        streams.stream_id,
        campaigns.campaign_id,
        row_number() over (
            partition by streams.stream_id
            order by length(campaigns.stream_prefix) desc, campaigns.campaign_id
        ) as prefix_rank
    from streams
    inner join campaigns on starts_with(streams.stream_id, campaigns.stream_prefix)
),

assigned as (
    select
        streams.stream_id,
        coalesce(listed.campaign_id, streams.campaign_id, prefixed.campaign_id) as campaign_id,
        case
            when listed.campaign_id is not null then 'config_list'
            when streams.campaign_id is not null then 'streams_table'
            when prefixed.campaign_id is not null then 'config_prefix'
        end as campaign_source
    from streams
    left join listed on listed.stream_id = streams.stream_id
    left join prefixed on prefixed.stream_id = streams.stream_id and prefixed.prefix_rank = 1
),

final as (
    select
        assigned.stream_id,
        assigned.campaign_id,
        coalesce(campaigns.campaign_name, assigned.campaign_id) as campaign_name,
        assigned.campaign_source,
        campaigns.campaign_id is not null as is_configured,
        campaigns.flat_fee as campaign_flat_fee,
        campaigns.first_n_bonus as campaign_first_n_bonus
    from assigned
    left join campaigns on campaigns.campaign_id = assigned.campaign_id
)

select * from final
