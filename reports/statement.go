package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// The creator statement: statement-<affiliate>.html, one per creator of the
// marts creator_balances, creator_statement and creator_reversals (money by
// state, docs/payouts.md § Money by state). The marts decide every state and
// amount as of their as_of; the page shows them, summing money per month,
// state and stream for its tables, and never computes a rate.

// creatorStatement is one creator's statement as the marts hold it.
type creatorStatement struct {
	Affiliate string
	AsOf      sql.NullTime
	Balances  []creatorBalance
	Periods   []statementPeriod
	Streams   []statementStream
	Reversals []creatorReversal
	Lines     []statementLine
}

// creatorBalance is one row of creator_balances.
type creatorBalance struct {
	Currency                                                 string
	Pending, Approved, Paid, Total, Reversed, Withdrawn      sql.NullFloat64
	PendingClearsAt, ApprovedSince, LastPaidAt, NextPayoutAt sql.NullTime
	NextPayoutAmount, LastPaymentAmount                      sql.NullFloat64
	NextPayoutIsDue                                          bool
	LastPaymentID, LastPaymentReference                      sql.NullString
	Reversals, Streams, Orders                               int64
}

// statementPeriod is the money of one payout period in one state.
type statementPeriod struct {
	Currency, Period, State string
	Amount                  sql.NullFloat64
	ClearsAt, PaidAt        sql.NullTime
	References              sql.NullString
}

// statementStream is what one stream (or, without a stream, a line of no
// stream) earned the creator.
type statementStream struct {
	Currency, StreamID, Codes, Rates string
	Orders                           int64
	Earned, Pending                  sql.NullFloat64
}

// creatorReversal is one row of creator_reversals.
type creatorReversal struct {
	Currency, Reason, Stage, Obligation                 string
	PayoutPeriod, SourcePeriod, OrderID, StreamID, Code sql.NullString
	ReversedAt                                          sql.NullTime
	Amount, AmountBefore, AmountAfter                   sql.NullFloat64
}

// statementLine is one row of creator_statement.
type statementLine struct {
	Currency, Period, State, Detail string
	Amount                          sql.NullFloat64
	EarnedAt, ClearsAt, PaidAt      sql.NullTime
	StreamID                        sql.NullString
	IsReversal                      bool
}

const creatorBalancesQuery = `
select affiliate_id, currency,
    cast(pending as double), cast(approved as double), cast(paid as double), cast(total as double),
    cast(reversed as double), cast(withdrawn as double),
    pending_clears_at, approved_since, last_paid_at, next_payout_at,
    cast(next_payout_amount as double), cast(last_payment_amount as double), next_payout_is_due,
    last_payment_id, last_payment_reference, cast(reversals as bigint), cast(streams as bigint), cast(orders as bigint), as_of
from creator_balances
order by affiliate_id, currency`

// The month and stream tables sum the money column of creator_statement.
const statementPeriodsQuery = `
select affiliate_id, currency, period, state, cast(sum(amount) as double),
    min(clears_at) filter (where not is_reversal), max(paid_at),
    string_agg(distinct payment_reference, ', ' order by payment_reference)
from creator_statement
group by affiliate_id, currency, period, state
order by affiliate_id, period, currency, case state when 'paid' then 1 when 'approved' then 2 else 3 end`

const statementStreamsQuery = `
select affiliate_id, currency, coalesce(stream_id, ''),
    coalesce(string_agg(distinct code, ', ' order by code), ''),
    coalesce(string_agg(distinct cast(rate as varchar), ' ' order by cast(rate as varchar)), ''),
    cast(count(distinct order_id) filter (where obligation = 'commission' and not is_reversal) as bigint),
    cast(sum(amount) as double),
    cast(coalesce(sum(amount) filter (where state = 'pending'), 0) as double)
from creator_statement
group by affiliate_id, currency, stream_id
order by affiliate_id, currency, min(earned_at), stream_id`

const creatorReversalsQuery = `
select affiliate_id, currency, reason, stage, obligation, payout_period, source_period,
    coalesce(order_name, order_id), stream_id, code, reversed_at,
    cast(amount as double), cast(amount_before as double), cast(amount_after as double)
from creator_reversals
order by affiliate_id, reversed_at desc, reversal_id`

const statementLinesQuery = `
select affiliate_id, currency, period, state, detail, cast(amount as double), earned_at, clears_at, paid_at, stream_id, is_reversal
from creator_statement
order by affiliate_id, earned_at desc, line_id, payment_id nulls last`

// loadStatements reads every creator's statement; without the marts (a
// warehouse built before them) it returns none.
func loadStatements(ctx context.Context, db *sql.DB) ([]*creatorStatement, error) {
	for _, t := range []string{"creator_balances", "creator_statement", "creator_reversals"} {
		ok, err := tableExists(ctx, db, t)
		if err != nil || !ok {
			return nil, err
		}
	}
	byID := map[string]*creatorStatement{}
	var out []*creatorStatement
	get := func(id string) *creatorStatement {
		s := byID[id]
		if s == nil {
			s = &creatorStatement{Affiliate: id}
			byID[id] = s
			out = append(out, s)
		}
		return s
	}
	err := queryEach(ctx, db, "creator_balances", creatorBalancesQuery, func(r *sql.Rows) error {
		var id string
		var b creatorBalance
		var asOf sql.NullTime
		if err := r.Scan(&id, &b.Currency, &b.Pending, &b.Approved, &b.Paid, &b.Total, &b.Reversed, &b.Withdrawn,
			&b.PendingClearsAt, &b.ApprovedSince, &b.LastPaidAt, &b.NextPayoutAt, &b.NextPayoutAmount, &b.LastPaymentAmount,
			&b.NextPayoutIsDue, &b.LastPaymentID, &b.LastPaymentReference, &b.Reversals, &b.Streams, &b.Orders, &asOf); err != nil {
			return err
		}
		s := get(id)
		s.AsOf = asOf
		s.Balances = append(s.Balances, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "creator_statement", statementPeriodsQuery, func(r *sql.Rows) error {
		var id string
		var p statementPeriod
		if err := r.Scan(&id, &p.Currency, &p.Period, &p.State, &p.Amount, &p.ClearsAt, &p.PaidAt, &p.References); err != nil {
			return err
		}
		get(id).Periods = append(get(id).Periods, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "creator_statement", statementStreamsQuery, func(r *sql.Rows) error {
		var id string
		var st statementStream
		if err := r.Scan(&id, &st.Currency, &st.StreamID, &st.Codes, &st.Rates, &st.Orders, &st.Earned, &st.Pending); err != nil {
			return err
		}
		get(id).Streams = append(get(id).Streams, st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "creator_reversals", creatorReversalsQuery, func(r *sql.Rows) error {
		var id string
		var x creatorReversal
		if err := r.Scan(&id, &x.Currency, &x.Reason, &x.Stage, &x.Obligation, &x.PayoutPeriod, &x.SourcePeriod,
			&x.OrderID, &x.StreamID, &x.Code, &x.ReversedAt, &x.Amount, &x.AmountBefore, &x.AmountAfter); err != nil {
			return err
		}
		get(id).Reversals = append(get(id).Reversals, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, db, "creator_statement", statementLinesQuery, func(r *sql.Rows) error {
		var id string
		var l statementLine
		if err := r.Scan(&id, &l.Currency, &l.Period, &l.State, &l.Detail, &l.Amount, &l.EarnedAt, &l.ClearsAt, &l.PaidAt,
			&l.StreamID, &l.IsReversal); err != nil {
			return err
		}
		get(id).Lines = append(get(id).Lines, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Affiliate < out[j].Affiliate })
	return out, nil
}

// ---- presentation ----

// Statement is one creator's statement in the form other presentations
// need (the affiliate's e-mail): the money by state per currency, formatted
// as the page shows it, and the page itself to attach.
type Statement struct {
	AffiliateID string
	AsOf        string // "20 Dec 2026, 03:00 UTC"
	Money       []Money
	File        string // statement-<affiliate>.html
	Page        []byte
}

// Money is a creator's money in one currency: the next payout in a
// sentence, and each state with a note (when it clears, when it was paid,
// why it was reversed).
type Money struct {
	Currency                   string
	NextPayout, NextPayoutNote string
	Pending, PendingNote       string
	Approved, ApprovedNote     string
	Paid, PaidNote             string
	Reversed, ReversedNote     string
}

type statementPeriodRow struct {
	Period, Currency, State, StateClass, Amount, AmountKey, When, Payment string
}

type statementStreamRow struct {
	Title, Link, Date, Platform, Codes, Rates, Orders, Earned, EarnedKey, Pending string
}

type statementReversalRow struct {
	Date, DateKey, What, Code, Reason, Amount, AmountKey, Taken string
}

type statementLineRow struct {
	Date, DateKey, Period, State, StateClass, Amount, AmountKey, Detail string
}

type statementView struct {
	Affiliate, AsOf, Currencies string
	Money                       []Money
	Periods                     []statementPeriodRow
	Streams                     []statementStreamRow
	Reversals                   []statementReversalRow
	Lines                       []statementLineRow
}

var stateWords = map[string]string{"pending": "pending", "approved": "awaiting payout", "paid": "paid"}

// stateClass colours a state with the page's classes: paid green, pending
// muted.
var stateClass = map[string]string{"pending": "none", "approved": "", "paid": "good"}

var reversalReasonWords = map[string]string{
	"return":             "returned",
	"cancellation":       "order cancelled",
	"reversal":           "reversed by the merchant or network",
	"refund":             "refunded in full",
	"partial_refund":     "partly refunded",
	"revenue_below_tier": "stream revenue fell below the bonus tier",
	"no_longer_first_n":  "no longer among the first buyers",
	"correction":         "corrected by the merchant",
}

// money formats a creator balance.
func (r *renderer) money(b creatorBalance) Money {
	cur := r.currency(b.Currency)
	m := Money{Currency: cur,
		Pending: fmtMoney(b.Pending, cur), Approved: fmtMoney(b.Approved, cur),
		Paid: fmtMoney(b.Paid, cur), Reversed: fmtMoney(b.Reversed, cur)}
	switch {
	case b.NextPayoutAmount.Valid && b.NextPayoutIsDue:
		m.NextPayout = fmtMoney(b.NextPayoutAmount, cur)
		m.NextPayoutNote = "due now: payable since " + fmtDate(b.NextPayoutAt, r.loc("")) + ", awaiting payment"
	case b.NextPayoutAmount.Valid:
		m.NextPayout = fmtMoney(b.NextPayoutAmount, cur)
		m.NextPayoutNote = "on " + fmtDate(b.NextPayoutAt, r.loc("")) + ", when the month clears, if nothing is refunded or reversed before"
	case b.Approved.Valid && b.Approved.Float64 < 0 || b.Pending.Valid && b.Pending.Float64 < 0:
		m.NextPayout = fmtMoney(nf(0), cur)
		m.NextPayoutNote = "nothing to pay: deductions exceed the earnings by " + fmtMoney(nf(-(b.Approved.Float64+b.Pending.Float64)), cur) +
			"; they are taken from later earnings"
	default:
		m.NextPayout = fmtMoney(nf(0), cur)
		m.NextPayoutNote = "nothing due and nothing pending: everything earned so far is paid"
	}
	if b.PendingClearsAt.Valid {
		m.PendingNote = "clears " + fmtDate(b.PendingClearsAt, r.loc("")) + "; a refund or reversal before then takes it away"
	} else {
		m.PendingNote = "nothing waiting to clear"
	}
	if b.ApprovedSince.Valid && b.Approved.Valid && b.Approved.Float64 != 0 {
		m.ApprovedNote = "approved, payable since " + fmtDate(b.ApprovedSince, r.loc(""))
	} else {
		m.ApprovedNote = "nothing awaiting payout"
	}
	if b.LastPaidAt.Valid {
		m.PaidNote = "last payment " + fmtMoney(b.LastPaymentAmount, cur) + " on " + fmtDate(b.LastPaidAt, r.loc(""))
		if b.LastPaymentReference.Valid && b.LastPaymentReference.String != "" {
			m.PaidNote += " (" + b.LastPaymentReference.String + ")"
		}
	} else {
		m.PaidNote = "no payment recorded yet"
	}
	m.ReversedNote = "clawed back or returned, deducted from payouts"
	if b.Withdrawn.Valid && b.Withdrawn.Float64 != 0 {
		m.ReversedNote += "; besides, " + fmtMoney(nf(-b.Withdrawn.Float64), cur) + " was withdrawn before it cleared (never paid)"
	}
	return m
}

// statementPage renders a creator's statement from in alone (r.page()).
func (r *renderer) statementPage(in statementInput) ([]byte, error) {
	s := in.Statement
	v := r.statementView(in)
	p := page{Title: "Statement — " + s.Affiliate, Kind: "statement", Statement: v}
	return r.render(&p)
}

func (r *renderer) statementView(in statementInput) *statementView {
	s := in.Statement
	utc := r.loc("")
	v := &statementView{Affiliate: s.Affiliate, AsOf: fmtWhen(s.AsOf, utc)}
	var curs []string
	for _, b := range s.Balances {
		v.Money = append(v.Money, r.money(b))
		curs = append(curs, r.currency(b.Currency))
	}
	v.Currencies = strings.Join(curs, " and ")
	for _, p := range s.Periods {
		cur := r.currency(p.Currency)
		row := statementPeriodRow{Period: monthName(p.Period), Currency: cur, State: stateWords[p.State], StateClass: stateClass[p.State],
			Amount: fmtMoney(p.Amount, cur), AmountKey: sortNum(p.Amount)}
		switch p.State {
		case "paid":
			row.When = "paid " + fmtDate(p.PaidAt, utc)
			if p.References.Valid {
				row.Payment = p.References.String
			}
		case "approved":
			row.When = "since " + fmtDate(p.ClearsAt, utc)
		default:
			row.When = "clears " + fmtDate(p.ClearsAt, utc)
		}
		if !p.ClearsAt.Valid && p.State != "paid" {
			row.When = "deductions, due at once"
		}
		v.Periods = append(v.Periods, row)
	}
	for _, st := range s.Streams {
		cur := r.currency(st.Currency)
		row := statementStreamRow{Title: dash, Date: dash, Platform: dash, Codes: orDash(st.Codes), Rates: rateList(st.Rates),
			Orders: fixed(float64(st.Orders), 0), Earned: fmtMoney(st.Earned, cur), EarnedKey: sortNum(st.Earned),
			Pending: fmtMoney(st.Pending, cur)}
		if st.StreamID != "" {
			row.Title = st.StreamID
			if k, ok := in.Streams.get(st.StreamID); ok {
				row.Title = orDefault(k.Title, k.ID)
				row.Link = k.File
				row.Date = fmtDate(k.StartedAt, r.loc(k.Timezone))
				row.Platform = orDash(k.Platform)
			}
		}
		v.Streams = append(v.Streams, row)
	}
	for _, x := range s.Reversals {
		cur := r.currency(x.Currency)
		row := statementReversalRow{Date: fmtDate(x.ReversedAt, utc), DateKey: sortTime(x.ReversedAt), Code: orDash(x.Code.String),
			Reason: orDefault(reversalReasonWords[x.Reason], x.Reason), Amount: fmtMoney(x.Amount, cur), AmountKey: sortNum(x.Amount)}
		switch x.Obligation {
		case "commission":
			row.What = "commission on order " + orDash(x.OrderID.String)
		case "performance_bonus":
			row.What = "performance bonus of stream " + orDash(x.StreamID.String)
		case "first_n_bonus":
			row.What = "first-buyer bonus for order " + orDash(x.OrderID.String)
		default:
			row.What = x.Obligation
		}
		switch x.Stage {
		case "before_close":
			row.Taken = "withdrawn before " + monthName(x.SourcePeriod.String) + " cleared: never paid"
		case "after_close":
			row.Taken = "clawed back after " + monthName(x.SourcePeriod.String) + " closed: taken from the next payout"
		default:
			row.Taken = "counted in " + monthName(x.PayoutPeriod.String)
		}
		v.Reversals = append(v.Reversals, row)
	}
	for _, l := range s.Lines {
		cur := r.currency(l.Currency)
		v.Lines = append(v.Lines, statementLineRow{Date: fmtDate(l.EarnedAt, utc), DateKey: sortTime(l.EarnedAt),
			Period: monthName(l.Period), State: stateWords[l.State], StateClass: stateClass[l.State],
			Amount: fmtMoney(l.Amount, cur), AmountKey: sortNum(l.Amount), Detail: l.Detail})
	}
	return v
}

// monthName writes a payout period (2026-11) as "Nov 2026".
func monthName(p string) string {
	var y, m int
	if _, err := fmt.Sscanf(p, "%d-%d", &y, &m); err != nil || m < 1 || m > 12 {
		return orDash(p)
	}
	return fmt.Sprintf("%s %d", [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}[m-1], y)
}

// rateList writes the rates of a stream's lines ("0.08 0.1") as "8%, 10%".
func rateList(s string) string {
	var out []string
	for _, f := range strings.Fields(s) {
		var v float64
		if _, err := fmt.Sscan(f, &v); err == nil {
			out = append(out, fmtRate(nf(v)))
		}
	}
	if len(out) == 0 {
		return dash
	}
	return strings.Join(out, ", ")
}

// Statements is the creator statements of a warehouse: formatted for the
// e-mail, with each page.
type Statements struct {
	byID map[string]*Statement
}

// Statement returns the statement of affiliate, or nil without one.
func (s *Statements) Statement(affiliate string) *Statement {
	if s == nil {
		return nil
	}
	return s.byID[affiliate]
}

// loadCreators reads every creator's statement and names their files.
func (r *renderer) loadCreators(ctx context.Context, db *sql.DB) ([]*creatorStatement, error) {
	list, err := loadStatements(ctx, db)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.Affiliate)
	}
	r.files.statements = newFileNames(ids)
	r.creators = list
	return list, nil
}

// statements renders every creator's statement page and its summary.
func (r *renderer) statements(ctx context.Context, db *sql.DB) ([]*creatorStatement, *Statements, error) {
	list, err := r.loadCreators(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	out := &Statements{byID: map[string]*Statement{}}
	for _, s := range list {
		page, err := r.page().statementPage(r.statementIn(s))
		if err != nil {
			return nil, nil, fmt.Errorf("statement of %s: %w", s.Affiliate, err)
		}
		st := &Statement{AffiliateID: s.Affiliate, AsOf: fmtWhen(s.AsOf, r.loc("")), File: r.files.statement(s.Affiliate), Page: page}
		for _, b := range s.Balances {
			st.Money = append(st.Money, r.money(b))
		}
		out.byID[s.Affiliate] = st
	}
	return list, out, nil
}
