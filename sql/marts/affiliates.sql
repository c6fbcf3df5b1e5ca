-- one row per affiliate (stream host): their streams and influencer tier.
--   followers           the largest audience on any platform, each platform's
--                       count taken from the affiliate's latest stream there
--                       that reports followers (NULL when none does)
--   followers_platform  the platform of that audience
--   followers_at        started_at of the stream the count comes from
--   tier                nano < 10k, micro 10k–100k, macro 100k–1M,
--                       celebrity ≥ 1M followers (int_follower_tiers)
with

streams as (
    select * from stg_streams
),

tiers as (
    select * from int_follower_tiers
),

latest_per_platform as (
    select
        affiliate_id,
        coalesce(platform, 'unknown') as platform,
        followers,
        started_at
    from streams
    where followers is not null
    qualify row_number() over (
        partition by affiliate_id, coalesce(platform, 'unknown')
        order by started_at desc, stream_id desc
    ) = 1
),

largest_audience as (
    select affiliate_id, followers, platform as followers_platform, started_at as followers_at
    from latest_per_platform
    qualify row_number() over (partition by affiliate_id order by followers desc, platform) = 1
),

stream_counts as (
    select
        affiliate_id,
        count(*) as streams,
        min(started_at) as first_stream_at,
        max(started_at) as last_stream_at,
        string_agg(distinct platform, ', ' order by platform) as platforms
    from streams
    group by affiliate_id
),

final as (
    select
        stream_counts.affiliate_id,
        stream_counts.streams,
        stream_counts.first_stream_at,
        stream_counts.last_stream_at,
        stream_counts.platforms,
        largest_audience.followers,
        largest_audience.followers_platform,
        largest_audience.followers_at,
        tiers.tier,
        tiers.tier_order
    from stream_counts
    left join largest_audience on largest_audience.affiliate_id = stream_counts.affiliate_id
    left join tiers
        on largest_audience.followers >= tiers.min_followers
        and (tiers.max_followers is null or largest_audience.followers < tiers.max_followers)
)

select * from final order by affiliate_id
