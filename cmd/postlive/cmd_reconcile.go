package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/lake"
	"github.com/postlive/postlive/reports"
)

type reconcileOptions struct {
	merchant string
	out      string
	format   string
	table    string
	since    string
}

// reconcileTables are the tables --table names for --format csv or json.
var reconcileTables = []string{"redemptions", "drops", "commissions", "commission_totals", "leaks", "status_changes"}

// reconciliationColumns are the columns of the merchant reconciliation CSV
// (--out, and merchant-<id>-reconciliation.csv beside the merchant report),
// explained in docs/reconciliation.md; the report package owns the list.
var reconciliationColumns = strings.Join(reports.ReconciliationColumns(), ", ")

// reconcileQueries select each table for one merchant ($1; empty: all) and, for
// status_changes, the statuses first seen at or after $2.
var reconcileQueries = map[string]string{
	"redemptions": `
select ` + reconciliationColumns + `
from coupon_reconciliation
where $1 = '' or merchant_id = $1
order by merchant_id, redeemed_at, order_id, redemption_id`,
	"drops": `
select drop_performance.drop_id, drop_performance.stream_id, drop_performance.coupon_code,
       drop_performance.quantity_limit, drop_performance.redemptions_in_window, drop_performance.sell_through,
       drop_performance.sold_out_at, drop_performance.before_window, drop_performance.after_window,
       drop_performance.over_quantity, drop_performance.bonus_awarded, drop_performance.revenue_in_window
from drop_performance
inner join stream_kpis using (stream_id)
where $1 = '' or stream_kpis.merchant_id = $1
order by drop_performance.starts_at, drop_performance.drop_id`,
	"commissions": `
select merchant_id, order_id, order_name, affiliate_id, stream_id, drop_id, ordered_at, currency, status,
       net_revenue, commission_rate, rate_source, commission_expected, commission_reported, commission_gap,
       reported_rate, reason, approved_first_seen_at, reversed_first_seen_at
from commission_reconciliation
where $1 = '' or merchant_id = $1
order by merchant_id, ordered_at, order_id`,
	"commission_totals": `
select affiliate_id, merchant_id, currency, orders, orders_void, commission_basis, commission_expected,
       commission_reported, commission_gap, orders_ok, orders_missing_in_report, orders_reported_on_reversed,
       orders_rate_mismatch, orders_amount_mismatch, orders_not_attributed, orders_not_reported_by_source, orders_no_rate
from commission_totals
where $1 = '' or merchant_id = $1
order by merchant_id, affiliate_id nulls last, currency`,
	"leaks": `
select drop_id, stream_id, merchant_id, coupon_code, starts_at, ends_at, redemptions, before_window,
       long_after_window, no_click, click_unknown, leak_redemptions, leak_share, leak_discount,
       leak_commission_expected, is_leaked
from coupon_leaks
where $1 = '' or merchant_id = $1
order by starts_at, drop_id`,
	"status_changes": `
select merchant_id, order_id, order_name, status, previous_status, first_seen_at, stream_id, affiliate_id,
       ordered_at, currency, net_revenue
from order_status_history
where ($1 = '' or merchant_id = $1) and ($2::timestamp is null or first_seen_at >= $2::timestamp)
order by merchant_id, first_seen_at, order_id, status_seq`,
}

func newReconcileCmd(e *env) *cobra.Command {
	var o reconcileOptions
	c := &cobra.Command{
		Use:   "reconcile",
		Short: "Show coupon and commission reconciliation, leaked codes and status changes for merchants",
		Long: `Reconcile prints each drop's results (redemptions in window, sell-through, sold
out at, before/after window, over quantity, bonus awarded, revenue in window),
the reconciliation of every redemption (status, rank in window, bonus
eligibility, commission expected vs reported and the reason for a gap, leak
signal), commission totals per affiliate and merchant, the orders whose
commission does not reconcile, and the codes with leak signals
(docs/reconciliation.md).

--since DATE (2026-11-14, or an RFC 3339 time) adds the orders whose status
changed since then, by the time the import that first carried the new status
ran: "3 orders reversed since 2026-11-14".

--out writes the redemption reconciliation as CSV a merchant can book from
(formula cells neutralised). --format csv or json prints one table instead of
the text: --table redemptions (default), drops, commissions, commission_totals,
leaks or status_changes (the default with --since).

  postlive reconcile --merchant glowlab --out glowlab-reconciliation.csv
  postlive reconcile --merchant glowlab --since 2026-11-14
  postlive reconcile --table commissions --format csv > commissions.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			since, err := o.validate(cmd.Flags().Changed("table"))
			if err != nil {
				return err
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
			return o.run(cmd.Context(), e, db, since)
		},
	}
	c.Flags().StringVar(&o.merchant, "merchant", "", "only this merchant")
	c.Flags().StringVar(&o.out, "out", "", "write the redemption reconciliation to this CSV file")
	addFormatFlag(c, &o.format, "csv/json print the table --table names", tableFormats...)
	c.Flags().StringVar(&o.table, "table", "redemptions", "with --format csv or json: "+strings.Join(reconcileTables, ", "))
	c.Flags().StringVar(&o.since, "since", "", "also list the orders whose status changed since this date (2026-11-14) or time (RFC 3339)")
	return c
}

// validate checks the flag combinations and parses --since (nil: not given).
func (o *reconcileOptions) validate(tableSet bool) (*time.Time, error) {
	if _, ok := reconcileQueries[o.table]; !ok {
		return nil, usagef("--table %q is not one of %s", o.table, strings.Join(reconcileTables, ", "))
	}
	if tableSet && o.format == "table" {
		return nil, usagef("--table chooses what --format csv or json prints; the text output shows every table")
	}
	if o.since == "" {
		return nil, nil
	}
	if !tableSet {
		o.table = "status_changes"
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, o.since); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, usagef("--since %q is not a date like 2026-11-14 or a time like 2026-11-14T08:00:00Z", o.since)
}

func (o *reconcileOptions) run(ctx context.Context, e *env, db *sql.DB, since *time.Time) error {
	var sinceArg any // NULL: every status change
	if since != nil {
		sinceArg = since.Format("2006-01-02 15:04:05")
	}
	get := func(name string) (*table, error) {
		args := []any{o.merchant}
		if name == "status_changes" {
			args = append(args, sinceArg)
		}
		t, err := queryTable(ctx, db, reconcileQueries[name], args...)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		return t, nil
	}
	recon, err := get("redemptions")
	if err != nil {
		return err
	}
	drops, err := get("drops")
	if err != nil {
		return err
	}
	commissions, err := get("commissions")
	if err != nil {
		return err
	}
	if o.merchant != "" && len(recon.rows) == 0 && len(drops.rows) == 0 && len(commissions.rows) == 0 {
		return usagef("no drops, redemptions or commissions for merchant %q", o.merchant)
	}
	if o.out != "" {
		if err := lake.WriteFile(o.out, func(f io.Writer) error { return writeCSV(f, recon) }); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %d redemptions to %s\n", len(recon.rows), o.out)
	}
	if o.format != "table" {
		t, err := get(o.table)
		if err != nil {
			return err
		}
		return writeTable(e.stdout, t, o.format)
	}

	fmt.Fprintln(e.stdout, "Drop results")
	if err := writeText(e.stdout, drops); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nRedemptions")
	if err := writeText(e.stdout, recon.columns("merchant_id", "order_id", "coupon_code", "drop_id", "redeemed_at", "status",
		"rank_in_window", "bonus_eligible", "net_revenue", "commission_expected", "commission_reported", "commission_gap",
		"commission_reason", "leak_signal")); err != nil {
		return err
	}
	totals, err := get("commission_totals")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nCommission per affiliate (commission_totals)")
	if err := writeText(e.stdout, totals.columns("affiliate_id", "merchant_id", "currency", "orders", "commission_expected",
		"commission_reported", "commission_gap", "orders_ok", "orders_missing_in_report", "orders_reported_on_reversed",
		"orders_rate_mismatch", "orders_amount_mismatch", "orders_not_attributed")); err != nil {
		return err
	}
	gaps := commissions.filter(func(row map[string]string) bool {
		return row["reason"] != "ok" && row["reason"] != "not_reported_by_source"
	})
	fmt.Fprintln(e.stdout, "\nCommission gaps (reason other than ok and not_reported_by_source)")
	if err := writeText(e.stdout, gaps.columns("merchant_id", "order_id", "affiliate_id", "stream_id", "status", "net_revenue",
		"commission_rate", "commission_expected", "commission_reported", "commission_gap", "reported_rate", "reason")); err != nil {
		return err
	}
	leaks, err := get("leaks")
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nCodes with leak signals (coupon_leaks)")
	if err := writeText(e.stdout, leaks.filter(func(row map[string]string) bool { return row["leak_redemptions"] != "0" }).columns(
		"drop_id", "coupon_code", "redemptions", "before_window", "long_after_window", "no_click", "leak_share",
		"leak_discount", "is_leaked")); err != nil {
		return err
	}
	if since == nil {
		return nil
	}
	changes, err := get("status_changes")
	if err != nil {
		return err
	}
	// An order's first status is when postlive first saw it, not a change:
	// after a first import every order would otherwise be "approved since".
	changed := changes.filter(func(row map[string]string) bool { return row["previous_status"] != "" })
	first := changes.filter(func(row map[string]string) bool { return row["previous_status"] == "" })
	if len(changed.rows) == 0 && len(first.rows) > 0 {
		fmt.Fprintf(e.stdout, "\nStatus changes since %s: none. The %s seen since then were imported for the first time (%s): "+
			"a first status is not a change; changes show once a later import carries an order with another status.\n",
			o.since, plural(len(first.rows), "order", "orders"), statusSummary(first))
		return nil
	}
	fmt.Fprintf(e.stdout, "\nStatus changes since %s: %s\n", o.since, statusSummary(changed))
	if err := writeText(e.stdout, changed); err != nil {
		return err
	}
	if len(first.rows) > 0 {
		fmt.Fprintf(e.stdout, "(and %s first imported since %s, not listed: %s)\n", plural(len(first.rows), "order", "orders"), o.since, statusSummary(first))
	}
	return nil
}

// statusSummary counts the orders per new status: "1 order reversed, 2
// orders approved".
func statusSummary(t *table) string {
	col := -1
	for i, c := range t.cols {
		if c == "status" {
			col = i
		}
	}
	counts := map[string]int{}
	for _, r := range t.rows {
		counts[r[col]]++
	}
	if len(counts) == 0 {
		return "none"
	}
	order := []string{"reversed", "cancelled", "refunded", "approved", "pending"}
	rest := make([]string, 0, len(counts))
	for s := range counts {
		if !slices.Contains(order, s) {
			rest = append(rest, s)
		}
	}
	sort.Strings(rest)
	var parts []string
	for _, s := range append(order, rest...) {
		if n := counts[s]; n > 0 {
			parts = append(parts, plural(n, "order", "orders")+" "+s)
		}
	}
	return strings.Join(parts, ", ")
}
