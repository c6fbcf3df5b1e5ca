-- a campaign's streams share one currency (postlive does not convert); give the streams a currency or split the campaign
select int_stream_campaigns.campaign_id, count(distinct stream_kpis.currency) as currencies,
    string_agg(distinct stream_kpis.currency, ', ') as currency_list
from int_stream_campaigns
inner join stream_kpis on stream_kpis.stream_id = int_stream_campaigns.stream_id
where int_stream_campaigns.campaign_id is not null
group by int_stream_campaigns.campaign_id
having count(distinct stream_kpis.currency) > 1
