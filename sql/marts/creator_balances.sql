-- one row per creator (affiliate) × currency: the creator's money by state as
-- of as_of, the next payout, and what was reversed (docs/payouts.md § Money by
-- state). pending + approved + paid = Σ payouts.total of the creator in that
-- currency (a data test checks it).
--   pending              Σ creator_statement rows pending: periods still open
--   pending_clears_at    when the first of it clears (the earliest close)
--   approved             Σ rows approved, awaiting payout: the earnings of
--                        closed periods not yet paid, less the deductions
--                        (clawbacks, returns) not yet taken from a payment
--   approved_since       the close of the oldest of those earnings: payable
--                        since then
--   paid                 Σ rows paid (recorded payments)
--   last_paid_at, last_payment_id, last_payment_amount, last_payment_reference
--                        the newest recorded payment
--   next_payout_at, next_payout_amount, next_payout_is_due
--                        when approved > 0: approved, due since approved_since;
--                        else the first close at which approved plus the
--                        pending money clearing by then is above 0, with that
--                        sum (not yet due; it changes until then); NULL when
--                        nothing will be owed (deductions exceed the earnings)
--   reversed             Σ reductions that are payout lines (clawbacks and
--                        returns, already in the states above: deducted)
--   withdrawn            Σ commission withdrawn before its period closed
--                        (never owed, so in no state)
--   reversals            how many reductions, of both kinds
--   streams, orders      streams and orders with a payout line
with

statement as (
    select * from creator_statement
),

reversals as (
    select * from creator_reversals
),

data_as_of as (
    select * from int_statement_as_of
),

keys as (
    select distinct affiliate_id, currency from statement
    union
    select distinct affiliate_id, currency from reversals
),

states as (
    select
        affiliate_id,
        currency,
        cast(coalesce(sum(amount) filter (where state = 'pending'), 0) as decimal(18, 2)) as pending,
        min(clears_at) filter (where state = 'pending') as pending_clears_at,
        cast(coalesce(sum(amount) filter (where state = 'approved'), 0) as decimal(18, 2)) as approved,
        min(clears_at) filter (where state = 'approved' and not is_reversal) as approved_since,
        cast(coalesce(sum(amount) filter (where state = 'paid'), 0) as decimal(18, 2)) as paid,
        count(distinct stream_id) as streams,
        count(distinct merchant_id || ':' || order_id) filter (where obligation = 'commission') as orders
    from statement
    group by affiliate_id, currency
),

payments as (
    select
        affiliate_id,
        currency,
        payment_id,
        max(paid_at) as paid_at,
        sum(amount) as amount,
        max(payment_reference) as reference
    from statement
    where payment_id is not null
    group by affiliate_id, currency, payment_id
),

last_payments as (
    select
        affiliate_id,
        currency,
        paid_at as last_paid_at,
        payment_id as last_payment_id,
        cast(amount as decimal(18, 2)) as last_payment_amount,
        reference as last_payment_reference
    from payments
    qualify row_number() over (partition by affiliate_id, currency order by paid_at desc, payment_id desc) = 1
),

-- pending money by the date it clears, and the balance owed once it has
clearing as (
    select affiliate_id, currency, clears_at, sum(amount) as amount
    from statement
    where state = 'pending'
    group by affiliate_id, currency, clears_at
),

running as (
    select
        clearing.affiliate_id,
        clearing.currency,
        clearing.clears_at,
        coalesce(states.approved, 0) + sum(clearing.amount) over (
            partition by clearing.affiliate_id, clearing.currency order by clearing.clears_at
        ) as balance
    from clearing
    left join states
        on states.affiliate_id = clearing.affiliate_id
        and states.currency is not distinct from clearing.currency
),

first_positive as (
    select
        affiliate_id,
        currency,
        min(clears_at) as clears_at,
        min_by(balance, clears_at) as balance
    from running
    where balance > 0
    group by affiliate_id, currency
),

reversed as (
    select
        affiliate_id,
        currency,
        cast(coalesce(sum(amount) filter (where in_payout), 0) as decimal(18, 2)) as reversed,
        cast(coalesce(sum(amount) filter (where not in_payout), 0) as decimal(18, 2)) as withdrawn,
        count(*) as reversals
    from reversals
    group by affiliate_id, currency
),

final as (
    select
        keys.affiliate_id,
        keys.currency,
        coalesce(states.pending, 0) as pending,
        states.pending_clears_at,
        coalesce(states.approved, 0) as approved,
        states.approved_since,
        coalesce(states.paid, 0) as paid,
        cast(coalesce(states.pending, 0) + coalesce(states.approved, 0) + coalesce(states.paid, 0) as decimal(18, 2)) as total,
        last_payments.last_paid_at,
        last_payments.last_payment_id,
        last_payments.last_payment_amount,
        last_payments.last_payment_reference,
        case when states.approved > 0 then states.approved_since else first_positive.clears_at end as next_payout_at,
        cast(case when states.approved > 0 then states.approved else first_positive.balance end as decimal(18, 2)) as next_payout_amount,
        coalesce(states.approved > 0, false) as next_payout_is_due,
        coalesce(reversed.reversed, 0) as reversed,
        coalesce(reversed.withdrawn, 0) as withdrawn,
        coalesce(reversed.reversals, 0) as reversals,
        coalesce(states.streams, 0) as streams,
        coalesce(states.orders, 0) as orders,
        data_as_of.as_of
    from keys
    cross join data_as_of
    left join states
        on states.affiliate_id = keys.affiliate_id
        and states.currency is not distinct from keys.currency
    left join last_payments
        on last_payments.affiliate_id = keys.affiliate_id
        and last_payments.currency is not distinct from keys.currency
    left join first_positive
        on first_positive.affiliate_id = keys.affiliate_id
        and first_positive.currency is not distinct from keys.currency
    left join reversed
        on reversed.affiliate_id = keys.affiliate_id
        and reversed.currency is not distinct from keys.currency
)

select * from final
order by affiliate_id, currency
