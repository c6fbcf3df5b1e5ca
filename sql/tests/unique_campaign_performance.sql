-- campaign_performance has one campaign row and one row per creator of each campaign
select campaign_id, level, affiliate_id, count(*) as rows_with_key
from campaign_performance
group by campaign_id, level, affiliate_id
having count(*) > 1 or campaign_id is null
    or level not in ('campaign', 'creator')
    or (level = 'campaign') <> (affiliate_id is null)
