-- a creator's money by state adds up to what payout_lines owes: the rows of
-- each line in creator_statement to the line's amount (0 for a paid line that
-- no longer exists), pending + approved + paid per affiliate × period ×
-- currency to payouts.total, and creator_balances to creator_statement and,
-- per affiliate × currency, to Σ payouts.total
with

statement as (
    select * from creator_statement
),

per_line as (
    select
        'line' as level,
        coalesce(lines.line_id, s.line_id) as item,
        cast(coalesce(lines.amount, 0) as decimal(18, 2)) as owed,
        cast(coalesce(s.amount, 0) as decimal(18, 2)) as by_state
    from payout_lines as lines
    full outer join (
        select line_id, sum(amount) as amount from statement group by line_id
    ) as s on s.line_id = lines.line_id
),

states as (
    select
        affiliate_id,
        period,
        currency,
        coalesce(sum(amount) filter (where state = 'pending'), 0)
            + coalesce(sum(amount) filter (where state = 'approved'), 0)
            + coalesce(sum(amount) filter (where state = 'paid'), 0) as by_state
    from statement
    group by affiliate_id, period, currency
),

per_period as (
    select
        'affiliate x period x currency' as level,
        coalesce(payouts.affiliate_id, states.affiliate_id) || ' ' || coalesce(payouts.period, states.period)
            || ' ' || coalesce(payouts.currency, states.currency, '') as item,
        cast(coalesce(payouts.total, 0) as decimal(18, 2)) as owed,
        cast(coalesce(states.by_state, 0) as decimal(18, 2)) as by_state
    from payouts
    full outer join states
        on states.affiliate_id = payouts.affiliate_id
        and states.period = payouts.period
        and states.currency is not distinct from payouts.currency
),

balance_states as (
    select
        affiliate_id,
        currency,
        coalesce(sum(amount) filter (where state = 'pending'), 0) as pending,
        coalesce(sum(amount) filter (where state = 'approved'), 0) as approved,
        coalesce(sum(amount) filter (where state = 'paid'), 0) as paid
    from statement
    group by affiliate_id, currency
),

payout_totals as (
    select affiliate_id, currency, sum(total) as total
    from payouts
    group by affiliate_id, currency
),

per_balance as (
    select
        'balance ' || kind as level,
        affiliate_id || ' ' || coalesce(currency, '') as item,
        cast(owed as decimal(18, 2)) as owed,
        cast(by_state as decimal(18, 2)) as by_state
    from (
        select b.affiliate_id, b.currency, 'pending' as kind, coalesce(s.pending, 0) as owed, b.pending as by_state
        from creator_balances as b
        left join balance_states as s on s.affiliate_id = b.affiliate_id and s.currency is not distinct from b.currency
        union all
        select b.affiliate_id, b.currency, 'approved', coalesce(s.approved, 0), b.approved
        from creator_balances as b
        left join balance_states as s on s.affiliate_id = b.affiliate_id and s.currency is not distinct from b.currency
        union all
        select b.affiliate_id, b.currency, 'paid', coalesce(s.paid, 0), b.paid
        from creator_balances as b
        left join balance_states as s on s.affiliate_id = b.affiliate_id and s.currency is not distinct from b.currency
        union all
        select
            coalesce(b.affiliate_id, t.affiliate_id), coalesce(b.currency, t.currency), 'total',
            coalesce(t.total, 0), coalesce(b.pending + b.approved + b.paid, 0)
        from creator_balances as b
        full outer join payout_totals as t on t.affiliate_id = b.affiliate_id and t.currency is not distinct from b.currency
    )
)

select * from per_line where owed <> by_state
union all
select * from per_period where owed <> by_state
union all
select * from per_balance where owed <> by_state
