-- one row per adjustment (a return, refund, correction or reversal row with
-- negative net revenue: Amazon returns, CJ corrections) and the sale it
-- reverses, found on the vendor's keys (int_orders_attributed). match says
-- what the adjustment did:
--   stream               reduced the revenue of the stream its sale is credited to
--   sale_without_stream  its sale is in the lake but credited to no stream
--   no_sale              no sale of its key at or before it is in the lake
--   no_sale_key          the export gives no key to find its sale by
-- Only 'stream' rows reduce a stream's revenue; the others are listed here
-- so that no return is dropped silently (postlive run prints their count).
select
    adjustments.merchant_id,
    adjustments.order_id,
    adjustments.ordered_at as processed_at,
    adjustments.is_day_grained,
    adjustments.status,
    adjustments.currency,
    adjustments.revenue,
    adjustments.commission,
    adjustments.sale_key,
    adjustments.tracking_id,
    adjustments.original_order_id,
    sales.ordered_at as original_ordered_at,
    adjustments.matched_stream_id as stream_id,
    adjustments.adjustment_match as match,
    adjustments.source_format
from int_orders_attributed as adjustments
left join int_orders_attributed as sales
    on sales.merchant_id = adjustments.merchant_id
    and sales.order_id = adjustments.original_order_id
where adjustments.is_adjustment
order by adjustments.merchant_id, adjustments.ordered_at, adjustments.order_id
