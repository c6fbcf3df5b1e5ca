package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/lake"
)

type payoutsOptions struct {
	period    string
	affiliate string
	currency  string
	format    string
	lines     bool
	out       string

	statement bool   // money by state (cmd_payouts_statement.go)
	markPaid  string // record the period as paid
	paidOn    string
	reference string
	wait      time.Duration
}

var periodPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

func newPayoutsCmd(e *env) *cobra.Command {
	var o payoutsOptions
	c := &cobra.Command{
		Use:   "payouts",
		Short: "Show what each creator is owed per payout period: fees, commission, bonuses, clawbacks",
		Long: `Payouts prints the payouts mart: per creator (affiliate), payout period (UTC
calendar month) and currency, the flat fees, commission, performance bonuses,
first-N bonuses and clawbacks, and their total (docs/payouts.md). A period is
open — its numbers provisional — until payouts.close_after (15 days) after its
end; a reversal, refund or late order imported after that is paid or clawed
back in the period it is imported in, never by rewriting the closed period.

--lines prints every payout line instead, with what it is for, so each total
can be traced to orders, streams and drops. --format csv or json prints the
rows with all their columns; --out writes them to a CSV file (cells that start
with = + - @ are neutralised).

--statement prints each creator's money by state (docs/payouts.md § Money by
state): pending (with the date it clears), approved and awaiting payout, paid,
reversed with the reason, and the next payout; with --lines, every payout
line with its state. --mark-paid PERIOD records that what is due through
PERIOD (a closed period) was paid, in payouts-paid.csv in the workspace, and
rebuilds the marts: postlive never assumes money was paid.

  postlive payouts --period 2026-11
  postlive payouts --period 2026-11 --affiliate ana --lines --out ana-2026-11.csv
  postlive payouts --statement --affiliate ana
  postlive payouts --mark-paid 2026-11 --paid-on 2026-12-20 --reference "Wise batch 42"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.period != "" && !periodPattern.MatchString(o.period) {
				return usagef("--period %q is not a month; write it like 2026-11", o.period)
			}
			if err := o.validateStatement(); err != nil {
				return err
			}
			if o.markPaid != "" {
				ws, err := e.openWorkspace(true, o.wait)
				if err != nil {
					return err
				}
				defer ws.close()
				return markPaid(cmd.Context(), e, ws, o)
			}
			ws, err := e.openWorkspace(false, 0)
			if err != nil {
				return err
			}
			db, err := openWarehouse(cmd.Context(), ws)
			if err != nil {
				return err
			}
			defer db.Close()
			if o.statement {
				return runStatement(cmd.Context(), e, db, o)
			}
			return runPayouts(cmd.Context(), e, db, o)
		},
	}
	c.Flags().StringVar(&o.period, "period", "", "only this payout period (UTC month), like 2026-11; default all periods")
	c.Flags().StringVar(&o.affiliate, "affiliate", "", "only this creator (affiliate_id)")
	addFormatFlag(c, &o.format, "", tableFormats...)
	c.Flags().BoolVar(&o.lines, "lines", false, "print every payout line instead of the totals")
	c.Flags().StringVar(&o.out, "out", "", "also write the rows to this CSV file")
	c.Flags().StringVar(&o.currency, "currency", "", "only this currency (ISO 4217, like USD)")
	c.Flags().BoolVar(&o.statement, "statement", false, "print each creator's money by state: pending, approved, paid, reversed, the next payout")
	c.Flags().StringVar(&o.markPaid, "mark-paid", "", "record that what is due through this closed period (like 2026-11) was paid, then rebuild")
	c.Flags().StringVar(&o.paidOn, "paid-on", "", "with --mark-paid: the day the money was sent, like 2026-12-20; default today (UTC)")
	c.Flags().StringVar(&o.reference, "reference", "", "with --mark-paid: a note kept with the payment, like a bank or PayPal batch reference")
	c.Flags().DurationVar(&o.wait, "wait", 0, "with --mark-paid: how long to wait for another postlive process to release the workspace")
	return c
}

const payoutsQuery = `
select affiliate_id, period, currency,
    case when closes_at <= $3 then 'closed' else 'open' end as status,
    closes_at, flat_fees, commission, performance_bonus, first_n_bonus, clawback, total,
    lines, orders, streams
from payouts
where ($1 = '' or period = $1) and ($2 = '' or affiliate_id = $2) and ($4 = '' or currency = $4)
order by period, affiliate_id, currency`

const payoutLinesQuery = `
select period, affiliate_id, line_kind, amount, currency, obligation, source_period, earned_at,
    stream_id, campaign_id, merchant_id, order_id, drop_id, basis, rate, detail, line_id
from payout_lines
where ($1 = '' or period = $1) and ($2 = '' or affiliate_id = $2) and ($3 = '' or currency = $3)
order by period, affiliate_id, currency,
    case line_kind when 'flat_fee' then 1 when 'commission' then 2 when 'performance_bonus' then 3
        when 'first_n_bonus' then 4 else 5 end,
    earned_at, line_id`

func runPayouts(ctx context.Context, e *env, db *sql.DB, o payoutsOptions) error {
	var n int
	if err := db.QueryRowContext(ctx,
		`select count(*) from information_schema.tables where table_name in ('payouts', 'payout_lines')`).Scan(&n); err != nil {
		return fmt.Errorf("look up payouts: %w", err)
	}
	if n < 2 {
		return usagef("the warehouse has no payouts yet; run `postlive build`")
	}
	now := e.now().UTC()
	q := payoutsQuery
	if o.lines {
		q = payoutLinesQuery
	}
	args := []any{o.period, o.affiliate}
	if o.lines {
		args = append(args, o.currency)
	} else {
		args = append(args, now, o.currency)
	}
	t, err := queryTable(ctx, db, q, args...)
	if err != nil {
		return fmt.Errorf("read payouts: %w", err)
	}
	if o.affiliate != "" && len(t.rows) == 0 {
		var known int
		if err := db.QueryRowContext(ctx, `select count(*) from payouts where affiliate_id = $1`, o.affiliate).Scan(&known); err != nil {
			return fmt.Errorf("read payouts: %w", err)
		}
		if known == 0 {
			return usagef("no payouts for affiliate %q; `postlive query \"select distinct affiliate_id from payouts\"` lists the creators", o.affiliate)
		}
	}
	if o.out != "" {
		if err := lake.WriteFile(o.out, func(f io.Writer) error { return writeCSV(f, t) }); err != nil {
			return err
		}
		what := "payouts"
		if o.lines {
			what = "payout lines"
		}
		fmt.Fprintf(e.stdout, "wrote %d %s to %s\n", len(t.rows), what, o.out)
	}
	if o.format != "table" {
		return writeTable(e.stdout, t, o.format)
	}
	return payoutsText(ctx, e.stdout, db, t, o, now)
}

// payoutsText prints each period with its close, then its rows.
func payoutsText(ctx context.Context, w io.Writer, db *sql.DB, t *table, o payoutsOptions, now time.Time) error {
	if len(t.rows) == 0 {
		if o.period != "" {
			fmt.Fprintf(w, "No payouts for %s.\n", o.period)
		} else {
			fmt.Fprintln(w, "No payouts: no stream has a flat fee, and no order a commission rate.")
		}
		return nil
	}
	periodCol := 1
	if o.lines {
		periodCol = 0
	}
	start := 0
	for start < len(t.rows) {
		period := t.rows[start][periodCol]
		end := start
		for end < len(t.rows) && t.rows[end][periodCol] == period {
			end++
		}
		var closes time.Time
		if err := db.QueryRowContext(ctx, `select max(closes_at) from payouts where period = $1`, period).Scan(&closes); err != nil {
			return fmt.Errorf("read payouts: %w", err)
		}
		state := "open: provisional until it closes"
		if !closes.After(now) {
			state = "closed"
		}
		if start > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "Payouts %s (closes %s UTC; %s)\n", period, closes.UTC().Format("2006-01-02 15:04"), state)
		part := &table{cols: t.cols, types: t.types, rows: t.rows[start:end], nulls: t.nulls[start:end]}
		part = part.without("period", "status", "closes_at", "line_id", "obligation", "earned_at",
			"campaign_id", "merchant_id", "drop_id", "basis", "rate")
		if err := writeText(w, part); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// without returns the table without the named columns.
func (t *table) without(names ...string) *table {
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	var keep []int
	for i, c := range t.cols {
		if !drop[c] {
			keep = append(keep, i)
		}
	}
	out := &table{}
	for _, i := range keep {
		out.cols = append(out.cols, t.cols[i])
		out.types = append(out.types, t.types[i])
	}
	for r := range t.rows {
		row := make([]string, len(keep))
		null := make([]bool, len(keep))
		for j, i := range keep {
			row[j], null[j] = t.rows[r][i], t.nulls[r][i]
		}
		out.rows = append(out.rows, row)
		out.nulls = append(out.nulls, null)
	}
	return out
}
