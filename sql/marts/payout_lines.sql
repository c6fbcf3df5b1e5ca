-- one row per payout line: an amount owed to (or clawed back from) a creator
-- in a payout period, with what it is for (docs/payouts.md).
--
-- Periods are UTC calendar months ('2026-11'). A period closes at its end +
-- payouts.close_after (payout_settings.payout_close_after); its lines are computed
-- from the imports made before it closed. A change imported after the close
-- (a reversal, a refund, a late order) does not rewrite the closed period: it
-- is a line of the period in which it was imported, for the difference —
-- negative: line_kind clawback; positive: a line of the obligation's kind.
--
-- Obligations (obligation), the event that dates them (earned_at) and their
-- amount as of a point in time:
--   flat_fee           per stream, started_at: campaigns.<id>.flat_fee, else
--                      streams.flat_fee (terms as configured now)
--   commission         per order credited to a stream with a known rate,
--                      ordered_at: the commission model's expected commission
--                      (rate × (net − refunded); 0 when void) of the order as
--                      last imported
--   performance_bonus  per stream of a campaign with bonuses, started_at: the
--                      amount of the highest tier whose revenue_over the
--                      stream's revenue (its attributable orders' net −
--                      refunded) passes (>)
--   first_n_bonus      per redemption of a drop with bonus_first_n, of a
--                      campaign with first_n_bonus, dated by the drop's
--                      starts_at: first_n_bonus when the redemption ranks
--                      within the first bonus_first_n non-void redemptions in
--                      the window (by redeemed_at, order_id)
--
-- Σ amount of an obligation's lines = its amount today (a data test checks it).
--   line_id        obligation:key:checkpoint, unique and stable from build to
--                  build: key = stream_id, merchant_id:order_id or
--                  drop_id:merchant_id:order_id; checkpoint = close or the
--                  import_seq of the change
--   period         the period the line is paid in
--   source_period  the period the obligation belongs to (earlier for
--                  clawbacks and late lines)
--   checkpoint_at  the close of source_period, or the import time of the change
--   import_seq     the import that showed the change (NULL for close lines)
--   basis          what the amount is computed on: commission: net revenue
--                  after refunds; performance_bonus: stream revenue
with

config as (
    select * from payout_settings
),

imports as (
    select import_seq, imported_at from stg_manifest
),

streams as (
    select * from stream_kpis
),

plan as (
    select stream_id, flat_fee from stg_streams
),

stream_campaigns as materialized (
    select * from int_stream_campaigns
),

bonus_tiers as (
    select * from campaign_bonus_tiers
),

commissions as materialized (
    select * from int_order_commissions
),

order_states as materialized (
    select * from int_order_import_states
),

drops as (
    select * from stg_drops
),

reconciled as materialized (
    select * from int_redemptions_reconciled
),

-- ---- periods: each period's close and the last import before it ----

period_starts as (
    select distinct cast(date_trunc('month', started_at) as timestamp) as period_start from streams
    union
    select distinct cast(date_trunc('month', ordered_at) as timestamp) as period_start from commissions
    union
    select distinct cast(date_trunc('month', starts_at) as timestamp) as period_start from drops
),

period_closes as (
    select
        period_starts.period_start,
        period_starts.period_start + interval 1 month + config.payout_close_after as closes_at,
        coalesce(max(imports.import_seq), 0) as close_seq
    from period_starts
    cross join config
    left join imports on imports.imported_at < period_starts.period_start + interval 1 month + config.payout_close_after
    group by period_starts.period_start, config.payout_close_after
),

-- ---- flat fees ----

flat_fee_lines as (
    select
        'flat_fee' as obligation,
        'flat_fee' as line_kind,
        streams.stream_id as item_key,
        streams.affiliate_id,
        streams.stream_id,
        stream_campaigns.campaign_id,
        streams.merchant_id,
        cast(null as varchar) as order_id,
        cast(null as varchar) as drop_id,
        cast(null as varchar) as redemption_id,
        streams.currency,
        streams.started_at as earned_at,
        cast(date_trunc('month', streams.started_at) as timestamp) as source_period_start,
        cast(date_trunc('month', streams.started_at) as timestamp) as period_start,
        period_closes.closes_at as checkpoint_at,
        cast(null as bigint) as import_seq,
        cast(coalesce(stream_campaigns.campaign_flat_fee, plan.flat_fee) as decimal(18, 2)) as amount,
        cast(null as decimal(18, 2)) as basis,
        cast(null as double) as rate,
        'flat fee for stream ' || streams.stream_id
            || case when stream_campaigns.campaign_flat_fee is not null then ' (campaign ' || stream_campaigns.campaign_id || ')' else '' end
            as detail
    from streams
    inner join plan on plan.stream_id = streams.stream_id
    inner join period_closes on period_closes.period_start = date_trunc('month', streams.started_at)
    left join stream_campaigns on stream_campaigns.stream_id = streams.stream_id
    where coalesce(stream_campaigns.campaign_flat_fee, plan.flat_fee) > 0
),

-- ---- commission: per order, as of the close and at each later import ----

commission_items as (
    select
        commissions.merchant_id,
        commissions.order_id,
        coalesce(commissions.order_name, commissions.order_id) as order_label,
        commissions.stream_id,
        commissions.drop_id,
        commissions.affiliate_id,
        commissions.currency,
        commissions.ordered_at,
        commissions.commission_rate,
        stream_campaigns.campaign_id,
        period_closes.period_start,
        period_closes.closes_at,
        period_closes.close_seq
    from commissions
    inner join period_closes on period_closes.period_start = date_trunc('month', commissions.ordered_at)
    left join stream_campaigns on stream_campaigns.stream_id = commissions.stream_id
    where commissions.commission_rate is not null
),

commission_checkpoints as (
    select commission_items.*, true as is_close, close_seq as cut_seq, closes_at as checkpoint_at
    from commission_items
    union all
    select commission_items.*, false as is_close, order_states.import_seq as cut_seq, order_states.imported_at as checkpoint_at
    from commission_items
    inner join order_states
        on order_states.merchant_id = commission_items.merchant_id
        and order_states.order_id = commission_items.order_id
        and order_states.imported_at >= commission_items.closes_at
),

commission_amounts as (
    select
        commission_checkpoints.*,
        cast(coalesce(order_states.commission, 0) as decimal(18, 2)) as amount,
        cast((order_states.net_revenue - order_states.refunded) as decimal(18, 2)) as basis,
        order_states.status
    from commission_checkpoints
    left join order_states
        on order_states.merchant_id = commission_checkpoints.merchant_id
        and order_states.order_id = commission_checkpoints.order_id
        and order_states.import_seq <= commission_checkpoints.cut_seq
    qualify row_number() over (
        partition by commission_checkpoints.merchant_id, commission_checkpoints.order_id,
            commission_checkpoints.is_close, commission_checkpoints.cut_seq
        order by order_states.import_seq desc nulls last
    ) = 1
),

commission_changes as (
    select
        *,
        amount - coalesce(lag(amount) over (
            partition by merchant_id, order_id order by is_close desc, cut_seq
        ), 0) as delta,
        coalesce(lag(amount) over (
            partition by merchant_id, order_id order by is_close desc, cut_seq
        ), 0) as previous_amount
    from commission_amounts
),

commission_lines as (
    select
        'commission' as obligation,
        case when not is_close and delta < 0 then 'clawback' else 'commission' end as line_kind,
        merchant_id || ':' || order_id as item_key,
        affiliate_id,
        stream_id,
        campaign_id,
        merchant_id,
        order_id,
        drop_id,
        cast(null as varchar) as redemption_id,
        currency,
        case when is_close then ordered_at else checkpoint_at end as earned_at,
        period_start as source_period_start,
        case when is_close then period_start else cast(date_trunc('month', checkpoint_at) as timestamp) end as period_start,
        checkpoint_at,
        case when is_close then null else cut_seq end as import_seq,
        cast(delta as decimal(18, 2)) as amount,
        basis,
        commission_rate as rate,
        case
            when is_close then
                printf('%g', commission_rate * 100) || '% of ' || basis || ' net revenue after refunds (order ' || order_label || ', ' || status || ')'
            when previous_amount = 0 and delta > 0 then
                'order ' || order_label || ' (' || status || ') first counted after ' || strftime(period_start, '%Y-%m') || ' closed: '
                || printf('%g', commission_rate * 100) || '% of ' || basis
            else
                'order ' || order_label || ' imported as ' || status || ', ' || basis || ' net after refunds, after '
                || strftime(period_start, '%Y-%m') || ' closed: commission ' || previous_amount || ' → ' || amount
        end as detail
    from commission_changes
    where delta <> 0
),

-- ---- performance bonus: per stream, on its revenue as of each checkpoint ----

bonus_streams as (
    select
        streams.stream_id,
        streams.affiliate_id,
        streams.merchant_id,
        streams.currency,
        streams.started_at,
        stream_campaigns.campaign_id,
        period_closes.period_start,
        period_closes.closes_at,
        period_closes.close_seq
    from streams
    inner join stream_campaigns on stream_campaigns.stream_id = streams.stream_id
    inner join period_closes on period_closes.period_start = date_trunc('month', streams.started_at)
    where exists (select 1 from bonus_tiers where bonus_tiers.campaign_id = stream_campaigns.campaign_id)
),

bonus_checkpoints as (
    select bonus_streams.*, true as is_close, close_seq as cut_seq, closes_at as checkpoint_at
    from bonus_streams
    union all
    select distinct bonus_streams.*, false as is_close, order_states.import_seq as cut_seq, order_states.imported_at as checkpoint_at
    from bonus_streams
    inner join order_states
        on order_states.stream_id = bonus_streams.stream_id
        and order_states.imported_at >= bonus_streams.closes_at
),

bonus_order_states as (
    select
        bonus_checkpoints.stream_id,
        bonus_checkpoints.is_close,
        bonus_checkpoints.cut_seq,
        order_states.revenue
    from bonus_checkpoints
    inner join order_states
        on order_states.stream_id = bonus_checkpoints.stream_id
        and order_states.import_seq <= bonus_checkpoints.cut_seq
    qualify row_number() over (
        partition by bonus_checkpoints.stream_id, bonus_checkpoints.is_close, bonus_checkpoints.cut_seq,
            order_states.merchant_id, order_states.order_id
        order by order_states.import_seq desc
    ) = 1
),

bonus_revenue as (
    select
        bonus_checkpoints.*,
        cast(coalesce(sum(bonus_order_states.revenue), 0) as decimal(18, 2)) as revenue
    from bonus_checkpoints
    left join bonus_order_states
        on bonus_order_states.stream_id = bonus_checkpoints.stream_id
        and bonus_order_states.is_close = bonus_checkpoints.is_close
        and bonus_order_states.cut_seq = bonus_checkpoints.cut_seq
    group by all
),

bonus_amounts as (
    select
        bonus_revenue.*,
        cast(coalesce(bonus_tiers.amount, 0) as decimal(18, 2)) as amount,
        bonus_tiers.revenue_over
    from bonus_revenue
    left join bonus_tiers
        on bonus_tiers.campaign_id = bonus_revenue.campaign_id
        and bonus_revenue.revenue > bonus_tiers.revenue_over
    qualify row_number() over (
        partition by bonus_revenue.stream_id, bonus_revenue.is_close, bonus_revenue.cut_seq
        order by bonus_tiers.revenue_over desc nulls last
    ) = 1
),

bonus_changes as (
    select
        *,
        amount - coalesce(lag(amount) over (partition by stream_id order by is_close desc, cut_seq), 0) as delta,
        coalesce(lag(amount) over (partition by stream_id order by is_close desc, cut_seq), 0) as previous_amount
    from bonus_amounts
),

performance_bonus_lines as (
    select
        'performance_bonus' as obligation,
        case when not is_close and delta < 0 then 'clawback' else 'performance_bonus' end as line_kind,
        stream_id as item_key,
        affiliate_id,
        stream_id,
        campaign_id,
        merchant_id,
        cast(null as varchar) as order_id,
        cast(null as varchar) as drop_id,
        cast(null as varchar) as redemption_id,
        currency,
        case when is_close then started_at else checkpoint_at end as earned_at,
        period_start as source_period_start,
        case when is_close then period_start else cast(date_trunc('month', checkpoint_at) as timestamp) end as period_start,
        checkpoint_at,
        case when is_close then null else cut_seq end as import_seq,
        cast(delta as decimal(18, 2)) as amount,
        revenue as basis,
        cast(null as double) as rate,
        case
            when is_close then
                'stream ' || stream_id || ' revenue ' || revenue || ' passed ' || revenue_over || ' (campaign ' || campaign_id || ')'
            else
                'stream ' || stream_id || ' revenue ' || revenue || ' after ' || strftime(period_start, '%Y-%m') || ' closed: bonus '
                || previous_amount || ' → ' || amount
        end as detail
    from bonus_changes
    where delta <> 0
),

-- ---- first-N bonus: per redemption in a tiered drop's window ----

bonus_drops as (
    select
        drops.drop_id,
        drops.stream_id,
        drops.coupon_code,
        drops.starts_at,
        drops.ends_at,
        drops.bonus_first_n,
        streams.affiliate_id,
        streams.merchant_id,
        streams.currency,
        stream_campaigns.campaign_id,
        stream_campaigns.campaign_first_n_bonus as bonus_amount,
        period_closes.period_start,
        period_closes.closes_at,
        period_closes.close_seq
    from drops
    inner join streams on streams.stream_id = drops.stream_id
    inner join stream_campaigns on stream_campaigns.stream_id = drops.stream_id
    inner join period_closes on period_closes.period_start = date_trunc('month', drops.starts_at)
    where drops.bonus_first_n > 0 and stream_campaigns.campaign_first_n_bonus > 0
),

window_redemptions as (
    select
        reconciled.redemption_id,
        reconciled.drop_id,
        reconciled.merchant_id,
        reconciled.order_id,
        reconciled.redeemed_at,
        reconciled.has_order
    from reconciled
    inner join bonus_drops on bonus_drops.drop_id = reconciled.drop_id
    where reconciled.status in ('in_window', 'over_quantity', 'void')
        and reconciled.redeemed_at >= bonus_drops.starts_at
        and reconciled.redeemed_at < bonus_drops.ends_at
),

drop_checkpoints as (
    select bonus_drops.*, true as is_close, close_seq as cut_seq, closes_at as checkpoint_at
    from bonus_drops
    union all
    select distinct bonus_drops.*, false as is_close, order_states.import_seq as cut_seq, order_states.imported_at as checkpoint_at
    from bonus_drops
    inner join window_redemptions on window_redemptions.drop_id = bonus_drops.drop_id
    inner join order_states
        on order_states.merchant_id = window_redemptions.merchant_id
        and order_states.order_id = window_redemptions.order_id
        and order_states.imported_at >= bonus_drops.closes_at
),

redemption_states as (
    select
        drop_checkpoints.drop_id,
        drop_checkpoints.is_close,
        drop_checkpoints.cut_seq,
        window_redemptions.redemption_id,
        window_redemptions.order_id,
        window_redemptions.redeemed_at,
        -- a redemption without an order in the lake (a coupon platform's row)
        -- always counts; one whose order was not imported yet does not
        not window_redemptions.has_order or order_states.import_seq is not null as is_known,
        coalesce(order_states.is_void, false) as is_void
    from drop_checkpoints
    inner join window_redemptions on window_redemptions.drop_id = drop_checkpoints.drop_id
    left join order_states
        on order_states.merchant_id = window_redemptions.merchant_id
        and order_states.order_id = window_redemptions.order_id
        and order_states.import_seq <= drop_checkpoints.cut_seq
    qualify row_number() over (
        partition by drop_checkpoints.drop_id, drop_checkpoints.is_close, drop_checkpoints.cut_seq,
            window_redemptions.redemption_id
        order by order_states.import_seq desc nulls last
    ) = 1
),

redemption_ranks as (
    select
        *,
        case when is_known and not is_void then
            row_number() over (
                partition by drop_id, is_close, cut_seq, is_known and not is_void
                order by redeemed_at, order_id, redemption_id
            )
        end as rank_in_window
    from redemption_states
),

first_n_amounts as (
    select
        drop_checkpoints.*,
        redemption_ranks.redemption_id,
        redemption_ranks.order_id,
        redemption_ranks.rank_in_window,
        cast(case
            when redemption_ranks.rank_in_window <= drop_checkpoints.bonus_first_n then drop_checkpoints.bonus_amount
            else 0
        end as decimal(18, 2)) as amount
    from drop_checkpoints
    inner join redemption_ranks
        on redemption_ranks.drop_id = drop_checkpoints.drop_id
        and redemption_ranks.is_close = drop_checkpoints.is_close
        and redemption_ranks.cut_seq = drop_checkpoints.cut_seq
),

first_n_changes as (
    select
        *,
        amount - coalesce(lag(amount) over (partition by redemption_id order by is_close desc, cut_seq), 0) as delta
    from first_n_amounts
),

first_n_bonus_lines as (
    select
        'first_n_bonus' as obligation,
        case when not is_close and delta < 0 then 'clawback' else 'first_n_bonus' end as line_kind,
        drop_id || ':' || merchant_id || ':' || order_id as item_key,
        affiliate_id,
        stream_id,
        campaign_id,
        merchant_id,
        order_id,
        drop_id,
        redemption_id,
        currency,
        case when is_close then starts_at else checkpoint_at end as earned_at,
        period_start as source_period_start,
        case when is_close then period_start else cast(date_trunc('month', checkpoint_at) as timestamp) end as period_start,
        checkpoint_at,
        case when is_close then null else cut_seq end as import_seq,
        cast(delta as decimal(18, 2)) as amount,
        cast(null as decimal(18, 2)) as basis,
        cast(null as double) as rate,
        case
            when delta > 0 then
                'buyer ' || rank_in_window || ' of the first ' || bonus_first_n || ' of drop ' || drop_id
                || ' (' || coalesce(coupon_code, drop_id) || ', order ' || coalesce(order_id, redemption_id) || ')'
                || case when is_close then '' else ' since an import after ' || strftime(period_start, '%Y-%m') || ' closed' end
            else
                'order ' || coalesce(order_id, redemption_id) || ' no longer among the first ' || bonus_first_n || ' of drop ' || drop_id
                || ' after ' || strftime(period_start, '%Y-%m') || ' closed'
        end as detail
    from first_n_changes
    where delta <> 0
),

all_lines as (
    select * from flat_fee_lines
    union all
    select * from commission_lines
    union all
    select * from performance_bonus_lines
    union all
    select * from first_n_bonus_lines
),

final as (
    select
        obligation || ':' || item_key || ':' || coalesce(cast(import_seq as varchar), 'close') as line_id,
        strftime(period_start, '%Y-%m') as period,
        affiliate_id,
        line_kind,
        obligation,
        amount,
        currency,
        strftime(source_period_start, '%Y-%m') as source_period,
        earned_at,
        checkpoint_at,
        import_seq,
        stream_id,
        campaign_id,
        merchant_id,
        order_id,
        drop_id,
        redemption_id,
        basis,
        rate,
        detail
    from all_lines
)

select * from final
order by period, affiliate_id, currency,
    case line_kind when 'flat_fee' then 1 when 'commission' then 2 when 'performance_bonus' then 3
        when 'first_n_bonus' then 4 else 5 end,
    earned_at, line_id
