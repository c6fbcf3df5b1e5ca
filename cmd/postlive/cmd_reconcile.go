package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

type reconcileOptions struct {
	merchant string
	out      string
	format   string
}

func newReconcileCmd(e *env) *cobra.Command {
	var o reconcileOptions
	c := &cobra.Command{
		Use:   "reconcile",
		Short: "Show coupon reconciliation and drop results for merchants",
		Long: `Reconcile prints each drop's results (redemptions in window, sell-through, sold
out at, before/after window, over quantity, bonus awarded, revenue in window)
and the reconciliation of every redemption (status, rank in window, bonus
eligibility, commission expected vs reported). --out writes the reconciliation
as CSV a merchant can book from (formula cells neutralised).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := e.openWorkspace(false, 0)
			if err != nil {
				return err
			}
			db, err := openWarehouse(cmd.Context(), ws)
			if err != nil {
				return err
			}
			defer db.Close()
			ctx := cmd.Context()
			drops, err := queryTable(ctx, db, `
select drop_performance.drop_id, drop_performance.stream_id, drop_performance.coupon_code,
       drop_performance.quantity_limit, drop_performance.redemptions_in_window, drop_performance.sell_through,
       drop_performance.sold_out_at, drop_performance.before_window, drop_performance.after_window,
       drop_performance.over_quantity, drop_performance.bonus_awarded, drop_performance.revenue_in_window
from drop_performance
inner join stream_kpis using (stream_id)
where $1 = '' or stream_kpis.merchant_id = $1
order by drop_performance.starts_at, drop_performance.drop_id`, o.merchant)
			if err != nil {
				return err
			}
			recon, err := queryTable(ctx, db, `
select merchant_id, order_id, coupon_code, drop_id, stream_id, redeemed_at, status, rank_in_window,
       bonus_eligible, net_revenue, commission_expected, commission_reported, commission_gap
from coupon_reconciliation
where $1 = '' or merchant_id = $1
order by merchant_id, redeemed_at, order_id`, o.merchant)
			if err != nil {
				return err
			}
			if o.merchant != "" && len(recon.rows) == 0 && len(drops.rows) == 0 {
				return usagef("no drops or redemptions for merchant %q", o.merchant)
			}
			if o.out != "" {
				if err := writeFileAtomic(o.out, func(f *os.File) error { return writeCSV(f, recon) }); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "wrote %d redemptions to %s\n", len(recon.rows), o.out)
			}
			if o.format != "table" {
				return writeTable(e.stdout, recon, o.format)
			}
			fmt.Fprintln(e.stdout, "Drop results")
			if err := writeText(e.stdout, drops); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "\nRedemptions")
			return writeText(e.stdout, recon)
		},
	}
	c.Flags().StringVar(&o.merchant, "merchant", "", "only this merchant")
	c.Flags().StringVar(&o.out, "out", "", "write the reconciliation to this CSV file")
	c.Flags().StringVar(&o.format, "format", "table", "output format: table, csv or json (csv/json print the reconciliation)")
	return c
}

// writeFileAtomic writes a file through a hidden temporary name in the same
// folder (.<name>.tmp-<pid>), syncs it and renames it into place.
func writeFileAtomic(path string, write func(*os.File) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.tmp-%d", filepath.Base(path), os.Getpid()))
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // best effort: make the rename itself durable
		d.Close()
	}
	return nil
}
