package models_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
)

// martContents is every row of every mart, as sorted text, per mart.
func martContents(t *testing.T, db *sql.DB, res *models.Result) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name := range res.Marts {
		var lines []string
		for _, r := range rows(t, db, "select * from "+name) {
			var cells []string
			for c, v := range r {
				cells = append(cells, c+"="+v)
			}
			slices.Sort(cells)
			lines = append(lines, strings.Join(cells, " "))
		}
		slices.Sort(lines)
		out[name] = strings.Join(lines, "\n")
	}
	return out
}

// TestBuildReusesUnchangedModels: a build copies from the warehouse it
// replaces exactly the materialised models whose inputs did not change, and
// its marts equal those of a build that computes everything.
func TestBuildReusesUnchangedModels(t *testing.T) {
	w := newTestWorkspace(t)
	w.importFiles(kpiFiles()...)
	res, db := w.build(settingsDefault())
	if len(res.Reused) != 0 {
		t.Errorf("first build reused %v; want nothing (there is no previous warehouse)", res.Reused)
	}
	db.Close()

	// nothing changed: every materialised model is copied
	res, db = w.build(settingsDefault())
	var materialised []string
	for _, m := range res.Models {
		if m.Materialized() {
			materialised = append(materialised, m.Name)
		}
	}
	if !slices.Equal(res.Reused, materialised) {
		t.Errorf("unchanged build reused %v; want every materialised model %v", res.Reused, materialised)
	}
	db.Close()

	// a new orders file: the click classification (which reads no order)
	// is copied; everything that reads orders is computed again
	w.importFiles(importSpec{filepath.Join("testdata", "kpi", "orders-update.csv"), "orders", ""})
	res, db = w.build(settingsDefault())
	if !slices.Contains(res.Reused, "int_clicks_classified") {
		t.Errorf("after a new orders file, reused %v; want int_clicks_classified among them", res.Reused)
	}
	for _, m := range []string{"int_orders_attributed", "stream_kpis", "coupon_reconciliation"} {
		if slices.Contains(res.Reused, m) {
			t.Errorf("after a new orders file, %s was reused; it reads orders and must be computed again", m)
		}
	}
	got := martContents(t, db, res)
	// the reversal of o5 (orders-update.csv) is in the reused build
	k := byKey(rows(t, db, "select * from stream_kpis"), "stream_id")
	check(t, "S1 after o5 reversed", k["S1"], map[string]string{"orders": "4", "revenue": "200.00"})

	// the same lake built from scratch gives the same marts
	fresh := filepath.Join(w.dir, "fresh.duckdb")
	full, err := models.Build(context.Background(), models.Options{Workspace: w.dir, Warehouse: fresh, SQL: sqlfiles.FS,
		Settings: withDefaults(models.Settings{}), NoReuse: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Reused) != 0 {
		t.Errorf("NoReuse build reused %v", full.Reused)
	}
	fdb, err := models.Open(context.Background(), fresh, w.dir, 0, "", true)
	if err != nil {
		t.Fatal(err)
	}
	defer fdb.Close()
	want := martContents(t, fdb, full)
	for name, rows := range want {
		if got[name] != rows {
			t.Errorf("mart %s differs between the incremental and the full build:\nincremental:\n%s\nfull:\n%s", name, got[name], rows)
		}
	}
	db.Close()

	// a changed setting rebuilds the models that read it (and what reads
	// them), nothing else: the click classification does not read the
	// attribution window
	res, _ = w.build(models.Settings{AttributionWindow: 24 * time.Hour})
	reused := map[string]bool{}
	for _, m := range res.Reused {
		reused[m] = true
	}
	for _, m := range []string{"int_orders_attributed", "stream_kpis", "payouts"} {
		if reused[m] {
			t.Errorf("after the attribution window changed, %s was reused", m)
		}
	}
	for _, m := range []string{"int_click_duplicates", "int_clicks_classified"} {
		if !reused[m] {
			t.Errorf("after the attribution window changed, %s was computed again; it does not read the window (reused %v)", m, res.Reused)
		}
	}
}
