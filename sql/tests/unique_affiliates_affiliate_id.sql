-- affiliates has one row per affiliate; every tier is one of int_follower_tiers
select affiliate_id, tier, count(*) over (partition by affiliate_id) as rows_with_id
from affiliates
qualify count(*) over (partition by affiliate_id) > 1 or affiliate_id is null
    or (tier is not null and tier not in ('nano', 'micro', 'macro', 'celebrity'))
