package models_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postlive/postlive/models"
)

// TestOrderDataTestsCatchBrokenModels breaks, one at a time, what the order
// data tests guard — on the commission workspace of three nights, where n7
// and n8 have three versions each and m1's orders carry commissions — and
// checks that the data test names the damage. The tests read the
// materialised int_orders_attributed and commission_reconciliation instead
// of running stg_orders and int_order_commissions again; a broken view
// still shows through those tables.
func TestOrderDataTestsCatchBrokenModels(t *testing.T) {
	d := filepath.Join("testdata", "commission")
	cases := []struct {
		what string
		file string
		old  string
		new  string
		test string // the data test that must fail
	}{
		{"stg_orders keeps every version of an order", "staging/stg_orders.sql",
			"where version_rank = 1", "where version_rank >= 1", "unique_orders_key"},
		{"stg_orders writes a status outside the five", "staging/stg_orders.sql",
			"coalesce(status, 'approved') as status", "case when status = 'reversed' then 'charged_back' else coalesce(status, 'approved') end as status", "accepted_values_order_status"},
		{"no status is marked current", "intermediate/int_order_status_history.sql",
			"orders.status is not distinct from per_status.status as is_current", "false as is_current", "unique_order_status_history"},
		{"commission_reconciliation loses a credited order", "marts/commission_reconciliation.sql",
			"select * from final order by", "select * from final where order_id <> 'n1' order by", "commission_gap_is_reported_minus_expected"},
		{"payout_lines pays a cent too much commission", "marts/payout_lines.sql",
			"cast(coalesce(order_states.commission, 0) as decimal(18, 2)) as amount", "cast(coalesce(order_states.commission, 0) + 0.01 as decimal(18, 2)) as amount", "payout_lines_match_obligations"},
	}
	for _, tc := range cases {
		t.Run(tc.test, func(t *testing.T) {
			w := newTestWorkspace(t)
			w.importAt(night1, commissionFiles()...)
			w.importAt(night2, importSpec{filepath.Join(d, "network-update.csv"), "orders", ""})
			w.importAt(night3, importSpec{filepath.Join(d, "network-update-2.csv"), "orders", ""})
			fsys := editedSQL(t, map[string]func(string) string{tc.file: func(s string) string {
				if !strings.Contains(s, tc.old) {
					t.Fatalf("%s no longer contains %q; update the test", tc.file, tc.old)
				}
				return strings.Replace(s, tc.old, tc.new, 1)
			}})
			res, err := models.Build(context.Background(), models.Options{Workspace: w.dir, Warehouse: filepath.Join(w.dir, "warehouse.duckdb"),
				SQL: fsys, Settings: withDefaults(models.Settings{CommissionRates: map[string]float64{"m1": 0.08}})})
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string]int64{}
			for _, f := range res.Failed() {
				failed[f.Name] = f.Failures
			}
			if failed[tc.test] == 0 {
				t.Errorf("%s: data test %s passed; want it to fail (failed: %v)", tc.what, tc.test, failed)
			}
		})
	}
}
