-- one row per influencer tier: the follower counts it spans,
-- min_followers ≤ followers < max_followers (NULL: no upper bound).
-- nano < 10k, micro 10k–100k, macro 100k–1M, celebrity ≥ 1M (docs/metrics.md).
with

tiers as (
    select * from (values
        (1, 'nano', 0, 10000),
        (2, 'micro', 10000, 100000),
        (3, 'macro', 100000, 1000000),
        (4, 'celebrity', 1000000, null)
    ) as tiers (tier_order, tier, min_followers, max_followers)
)

select * from tiers
