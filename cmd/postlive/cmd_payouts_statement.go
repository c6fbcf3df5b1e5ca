package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/postlive/postlive/lake"
	"github.com/postlive/postlive/models"
	"github.com/postlive/postlive/workspace"
)

// validateStatement checks the flags of --statement and --mark-paid.
func (o payoutsOptions) validateStatement() error {
	if o.currency != "" && !workspace.IsCurrency(o.currency) {
		return usagef("--currency %q is not an ISO 4217 code; write it like USD", o.currency)
	}
	if o.markPaid == "" {
		switch {
		case o.paidOn != "":
			return usagef("--paid-on goes with --mark-paid PERIOD")
		case o.reference != "":
			return usagef("--reference goes with --mark-paid PERIOD")
		case o.statement && o.period != "" && !o.lines:
			return usagef("--period with --statement needs --lines: the statement covers every period")
		}
		return nil
	}
	switch {
	case !periodPattern.MatchString(o.markPaid):
		return usagef("--mark-paid %q is not a payout period; write it like 2026-11", o.markPaid)
	case o.statement || o.lines || o.period != "" || o.out != "":
		return usagef("--mark-paid records a payment; it does not go with --statement, --lines, --period or --out")
	}
	if o.paidOn != "" {
		if _, err := time.Parse("2006-01-02", o.paidOn); err != nil {
			return usagef("--paid-on %q is not a date; write it like 2026-12-20", o.paidOn)
		}
	}
	return nil
}

var statementMarts = []string{"creator_statement", "creator_balances", "creator_reversals"}

// haveStatement says whether the warehouse has the statement marts.
func haveStatement(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, `select count(*) from information_schema.tables
where table_name in ('creator_statement', 'creator_balances', 'creator_reversals')`).Scan(&n); err != nil {
		return fmt.Errorf("look up the statement: %w", err)
	}
	if n < len(statementMarts) {
		return usagef("the warehouse has no creator statements yet; run `postlive build`")
	}
	return nil
}

const balancesQuery = `
select * from creator_balances
where ($1 = '' or affiliate_id = $1) and ($2 = '' or currency = $2)
order by affiliate_id, currency`

const statementLinesQuery = `
select affiliate_id, currency, period, state, amount, clears_at, paid_at, payment_id, payment_reference,
    line_kind, is_reversal, reversal_reason, stream_id, code, order_id, order_name, order_status, rate, detail,
    line_id, obligation, source_period, earned_at, merchant_id, drop_id, campaign_id, basis, as_of
from creator_statement
where ($1 = '' or affiliate_id = $1) and ($2 = '' or currency = $2) and ($3 = '' or period = $3)
order by affiliate_id, currency, period, earned_at, line_id, payment_id nulls last`

// runStatement prints the creators' money by state: creator_balances (or,
// with --lines, creator_statement), as a statement per creator in table
// format.
func runStatement(ctx context.Context, e *env, db *sql.DB, o payoutsOptions) error {
	if err := haveStatement(ctx, db); err != nil {
		return err
	}
	var t *table
	var err error
	if o.lines {
		t, err = queryTable(ctx, db, statementLinesQuery, o.affiliate, o.currency, o.period)
	} else {
		t, err = queryTable(ctx, db, balancesQuery, o.affiliate, o.currency)
	}
	if err != nil {
		return fmt.Errorf("read the statement: %w", err)
	}
	if o.affiliate != "" && len(t.rows) == 0 {
		var known int
		if err := db.QueryRowContext(ctx, `select count(*) from creator_balances where affiliate_id = $1`, o.affiliate).Scan(&known); err != nil {
			return fmt.Errorf("read the statement: %w", err)
		}
		if known == 0 {
			return usagef("no statement for affiliate %q; `postlive query \"select affiliate_id from creator_balances\"` lists the creators", o.affiliate)
		}
	}
	if o.out != "" {
		if err := lake.WriteFile(o.out, func(f io.Writer) error { return writeCSV(f, t) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %d statement rows to %s\n", len(t.rows), o.out)
	}
	if o.format != "table" {
		return writeTable(e.stdout, t, o.format)
	}
	if o.lines {
		return writeText(e.stdout, t.without("as_of", "line_id", "obligation", "source_period", "earned_at", "merchant_id",
			"drop_id", "campaign_id", "basis", "payment_reference", "order_name", "detail", "is_reversal"))
	}
	return statementText(ctx, e.stdout, db, t, e.now().UTC())
}

// statementText prints, per creator, the balances, the money by month and
// state, and the reversals.
func statementText(ctx context.Context, w io.Writer, db *sql.DB, balances *table, now time.Time) error {
	if len(balances.rows) == 0 {
		fmt.Fprintln(w, "No statements: no creator has a payout line or a reversal yet.")
		return nil
	}
	col := map[string]int{}
	for i, c := range balances.cols {
		col[c] = i
	}
	var affiliates []string
	for _, r := range balances.rows {
		if a := r[col["affiliate_id"]]; len(affiliates) == 0 || affiliates[len(affiliates)-1] != a {
			affiliates = append(affiliates, a)
		}
	}
	for i, a := range affiliates {
		part := balances.filter(func(r map[string]string) bool { return r["affiliate_id"] == a })
		asOf := part.rows[0][col["as_of"]]
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "Statement for %s, as of %s (the newest import or recorded payment)\n", a, shortTime(asOf))
		q := `select currency, pending, strftime(pending_clears_at, '%Y-%m-%d') as clears,
    approved, strftime(approved_since, '%Y-%m-%d') as approved_since, paid,
    next_payout_amount as next_payout, strftime(next_payout_at, '%Y-%m-%d') as next_payout_on,
    case when next_payout_is_due then 'due' when next_payout_at is not null then 'when it clears' end as next_payout_is,
    reversed, withdrawn
from creator_balances where affiliate_id = $1 and currency in (select unnest(string_split($2, ',')))
order by currency`
		var curs []string
		for _, r := range part.rows {
			curs = append(curs, r[col["currency"]])
		}
		t, err := queryTable(ctx, db, q, a, strings.Join(curs, ","))
		if err != nil {
			return fmt.Errorf("read the statement: %w", err)
		}
		if err := writeText(w, t); err != nil {
			return err
		}
		months, err := queryTable(ctx, db, `select period, currency, state, sum(amount) as amount,
    strftime(min(clears_at), '%Y-%m-%d') as clears, strftime(max(paid_at), '%Y-%m-%d') as paid_on,
    string_agg(distinct payment_id, ', ' order by payment_id) as payments
from creator_statement where affiliate_id = $1 and currency in (select unnest(string_split($2, ',')))
group by period, currency, state
order by period, currency, case state when 'paid' then 1 when 'approved' then 2 else 3 end`, a, strings.Join(curs, ","))
		if err != nil {
			return fmt.Errorf("read the statement: %w", err)
		}
		fmt.Fprintln(w, "\nBy payout period and state")
		if err := writeText(w, months); err != nil {
			return err
		}
		revs, err := queryTable(ctx, db, `select strftime(reversed_at, '%Y-%m-%d %H:%M') as reversed_at, currency, amount, reason,
    case stage when 'before_close' then 'withdrawn before ' || source_period || ' closed'
        when 'after_close' then 'clawed back after ' || source_period || ' closed' else 'a return in ' || payout_period end as taken,
    coalesce(order_name, order_id) as order_id, stream_id, code
from creator_reversals where affiliate_id = $1 and currency in (select unnest(string_split($2, ',')))
order by reversed_at, reversal_id`, a, strings.Join(curs, ","))
		if err != nil {
			return fmt.Errorf("read the statement: %w", err)
		}
		if len(revs.rows) > 0 {
			fmt.Fprintln(w, "\nReversals")
			if err := writeText(w, revs); err != nil {
				return err
			}
		}
		var stale int
		if err := db.QueryRowContext(ctx, `select count(*) from creator_statement
where affiliate_id = $1 and state = 'pending' and clears_at <= $2`, a, now).Scan(&stale); err != nil {
			return fmt.Errorf("read the statement: %w", err)
		}
		if stale > 0 {
			fmt.Fprintf(w, "Note: %s of pending money cleared after %s; it shows as approved after the next import or recorded payment.\n",
				plural(stale, "line", "lines"), shortTime(asOf))
		}
	}
	return nil
}

// durationText writes a duration as postlive.yaml would: 15d, else 36h0m0s.
func durationText(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// shortTime shows an RFC 3339 UTC time as 2026-12-20 03:00 UTC.
func shortTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// duePortion is a row of creator_statement that a payment would cover.
type duePortion struct {
	affiliate, currency, period, lineID, amount string
}

// dueQuery lists what is due through a period at a time: the unpaid rows of
// creator_statement whose money has cleared (earnings of closed periods up to
// $1; deductions of any period, which are taken from the next payment), with
// the net per creator and currency.
const dueQuery = `
select affiliate_id, currency, period, line_id, amount,
    sum(amount) over (partition by affiliate_id, currency) as net
from creator_statement
where payment_id is null
    and clears_at <= $2
    and (is_reversal or period <= $1)
    and ($3 = '' or affiliate_id = $3)
    and ($4 = '' or currency = $4)
order by affiliate_id, currency, period, line_id`

// markPaid records as paid what is due through o.markPaid, in
// payouts-paid.csv, and rebuilds the warehouse so the statements show it.
func markPaid(ctx context.Context, e *env, ws *session, o payoutsOptions) error {
	now := e.now().UTC()
	start, _ := time.Parse("2006-01", o.markPaid)
	closes := start.AddDate(0, 1, 0).Add(ws.cfg.PayoutCloseAfter)
	if closes.After(now) {
		return usagef("%s is open until %s (payouts.close_after %s): its money is still pending; mark it paid once it has closed",
			o.markPaid, closes.Format("2006-01-02 15:04 UTC"), durationText(ws.cfg.PayoutCloseAfter))
	}
	paidOn := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if o.paidOn != "" {
		paidOn, _ = time.Parse("2006-01-02", o.paidOn)
		if paidOn.After(now) {
			return usagef("--paid-on %s is in the future; record a payment once it is made", o.paidOn)
		}
	}
	path := ws.PaymentsPath()
	existing, err := ws.Payments()
	if err != nil {
		return err
	}
	due, nets, err := readDue(ctx, ws, o, now, len(existing))
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, p := range existing {
		used[p.ID] = true
	}
	var recorded []models.Payment
	summary := &table{cols: []string{"payment_id", "affiliate_id", "currency", "amount", "lines", "paid_on", "through", "reference"},
		types: []string{"VARCHAR", "VARCHAR", "VARCHAR", "DECIMAL(18,2)", "BIGINT", "VARCHAR", "VARCHAR", "VARCHAR"}}
	for i := 0; i < len(due); {
		j := i
		for j < len(due) && due[j].affiliate == due[i].affiliate && due[j].currency == due[i].currency {
			j++
		}
		group, net := due[i:j], nets[i]
		i = j
		a, cur := group[0].affiliate, group[0].currency
		if strings.HasPrefix(net, "-") {
			fmt.Fprintf(e.stderr, "postlive: %s %s: not recorded: what is due through %s nets %s %s (deductions exceed earnings); nothing to pay, it is taken from later earnings\n",
				a, cur, o.markPaid, net, cur)
			continue
		}
		id := paidOn.Format("2006-01-02") + "/" + a + "/" + cur
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("%s/%s/%s-%d", paidOn.Format("2006-01-02"), a, cur, n)
		}
		used[id] = true
		for _, d := range group {
			recorded = append(recorded, models.Payment{ID: id, PaidOn: paidOn, Affiliate: a, Currency: cur, Period: d.period,
				LineID: d.lineID, Amount: d.amount, Reference: o.reference, RecordedAt: now})
		}
		summary.rows = append(summary.rows, []string{id, a, cur, net, fmt.Sprint(len(group)), paidOn.Format("2006-01-02"), o.markPaid, o.reference})
		summary.nulls = append(summary.nulls, []bool{false, false, false, false, false, false, false, o.reference == ""})
	}
	if len(recorded) == 0 {
		if o.format == "table" {
			fmt.Fprintf(e.stdout, "Nothing to record: nothing is due through %s%s.\n", o.markPaid, forWhom(o))
			return nil
		}
		return writeTable(e.stdout, summary, o.format)
	}
	if err := ws.AppendPayments(recorded); err != nil {
		return fmt.Errorf("record the payments in %s: %w", path, err)
	}
	ws.log.Info("payments recorded", "through", o.markPaid, "payments", len(summary.rows), "lines", len(recorded), "file", path)
	out := e.stdout
	if o.format == "table" {
		fmt.Fprintf(out, "Recorded in %s (paid on %s, through %s):\n", relPath(ws, path), paidOn.Format("2006-01-02"), o.markPaid)
		if err := writeText(out, summary); err != nil {
			return err
		}
		fmt.Fprintln(out, "\nRebuilding so the statements show them:")
	} else {
		if err := writeTable(out, summary, o.format); err != nil {
			return err
		}
		out = e.stderr
	}
	res, err := buildWorkspace(ctx, out, ws)
	if err != nil {
		return fmt.Errorf("the payments are recorded in %s, but the rebuild failed (run `postlive build`): %w", path, err)
	}
	fmt.Fprintln(out, "`postlive report` (or the nightly run) rewrites the statement pages.")
	return testFailures(res)
}

// readDue reads what is due (dueQuery) from the warehouse, and refuses when
// the warehouse was built before the payments already recorded.
func readDue(ctx context.Context, ws *session, o payoutsOptions, now time.Time, recorded int) ([]duePortion, []string, error) {
	db, err := openWarehouse(ctx, ws)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	if err := haveStatement(ctx, db); err != nil {
		return nil, nil, err
	}
	var known int
	if err := db.QueryRowContext(ctx, `select count(*) from payout_payments`).Scan(&known); err != nil {
		return nil, nil, fmt.Errorf("read the recorded payments: %w", err)
	}
	if known != recorded {
		return nil, nil, usagef("%s holds %d paid lines, the warehouse %d: it was built before the last payments were recorded; run `postlive build` first",
			workspace.PaymentsFile, recorded, known)
	}
	t, err := queryTable(ctx, db, dueQuery, o.markPaid, now, o.affiliate, o.currency)
	if err != nil {
		return nil, nil, fmt.Errorf("read what is due: %w", err)
	}
	var due []duePortion
	var nets []string
	for _, r := range t.rows {
		due = append(due, duePortion{affiliate: r[0], currency: r[1], period: r[2], lineID: r[3], amount: r[4]})
		nets = append(nets, r[5])
	}
	return due, nets, nil
}

func forWhom(o payoutsOptions) string {
	var parts []string
	if o.affiliate != "" {
		parts = append(parts, "for "+o.affiliate)
	}
	if o.currency != "" {
		parts = append(parts, "in "+o.currency)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}
