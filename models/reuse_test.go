package models_test

import (
	"context"
	"database/sql"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
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

// sqlWith is the sql/ folder with extra files (path → SQL) added and the
// files named in drop left out.
func sqlWith(t *testing.T, extra map[string]string, drop ...string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(sqlfiles.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || slices.Contains(drop, p) {
			return err
		}
		b, err := fs.ReadFile(sqlfiles.FS, p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, s := range extra {
		out[p] = &fstest.MapFile{Data: []byte(s)}
	}
	return out
}

// TestBuildInPlaceKeepsTestsMartsAndDropsOldModels: a build in the copy of
// the previous warehouse keeps a data test's result (a failure stays
// reported with its rows) while nothing it reads changed, writes a mart's
// Parquet file only when the mart changed or the file is gone, and drops a
// table whose model was removed.
func TestBuildInPlaceKeepsTestsMartsAndDropsOldModels(t *testing.T) {
	w := newTestWorkspace(t)
	w.importFiles(kpiFiles()...)
	wh := filepath.Join(w.dir, "warehouse.duckdb")
	extra := map[string]string{
		"tests/every_stream_fails.sql":       "select stream_id from stream_kpis order by stream_id\n",
		"intermediate/int_leftover.sql":      "-- materialized: table\nselect 1 as x\n",
		"tests/leftover_has_no_row_of_1.sql": "select x from int_leftover where x = 1\n",
	}
	build := func(fsys fs.FS) *models.Result {
		t.Helper()
		res, err := models.Build(context.Background(), models.Options{Workspace: w.dir, Warehouse: wh, SQL: fsys, Settings: withDefaults(models.Settings{})})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	test := func(res *models.Result, name string) models.TestResult {
		t.Helper()
		for _, tr := range res.Tests {
			if tr.Name == name {
				return tr
			}
		}
		t.Fatalf("no data test %s in %v", name, res.Tests)
		return models.TestResult{}
	}
	stamps := func() map[string]time.Time {
		out := map[string]time.Time{}
		files, _ := filepath.Glob(filepath.Join(w.dir, "lake", "marts", "*.parquet"))
		for _, f := range files {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(f)] = fi.ModTime()
		}
		return out
	}

	first := build(sqlWith(t, extra))
	failed := test(first, "every_stream_fails")
	if failed.Failures == 0 || failed.Kept || len(failed.Sample) == 0 {
		t.Fatalf("first build: every_stream_fails = %+v; want failures, run, with sample rows", failed)
	}
	before := stamps()
	if len(before) != len(first.Marts) {
		t.Fatalf("%d mart files for %d marts", len(before), len(first.Marts))
	}

	// nothing changed: the failure is reported again, from the kept result
	time.Sleep(10 * time.Millisecond)
	again := build(sqlWith(t, extra))
	kept := test(again, "every_stream_fails")
	if !kept.Kept || kept.Failures != failed.Failures || !slices.EqualFunc(kept.Sample, failed.Sample, slices.Equal) || !slices.Equal(kept.Columns, failed.Columns) {
		t.Errorf("unchanged build: every_stream_fails = %+v; want the first result %+v, kept", kept, failed)
	}
	if len(again.Failed()) != len(first.Failed()) {
		t.Errorf("unchanged build: %d failed tests; the first had %d", len(again.Failed()), len(first.Failed()))
	}
	if after := stamps(); !maps.Equal(before, after) {
		t.Errorf("unchanged build wrote mart files again:\nbefore %v\nafter  %v", before, after)
	}

	// a mart file removed by hand is written again, the others are not
	gone := filepath.Join(w.dir, "lake", "marts", "stream_kpis.parquet")
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	build(sqlWith(t, extra))
	after := stamps()
	if _, ok := after["stream_kpis.parquet"]; !ok {
		t.Errorf("stream_kpis.parquet, removed by hand, was not written again")
	}
	delete(after, "stream_kpis.parquet")
	delete(before, "stream_kpis.parquet")
	if !maps.Equal(before, after) {
		t.Errorf("rewrote mart files that had not changed:\nbefore %v\nafter  %v", before, after)
	}

	// the data test's SQL changes: it runs again
	changed := maps.Clone(extra)
	changed["tests/every_stream_fails.sql"] = "select stream_id from stream_kpis where false\n"
	res := build(sqlWith(t, changed))
	if tr := test(res, "every_stream_fails"); tr.Kept || tr.Failures != 0 {
		t.Errorf("after its SQL changed, every_stream_fails = %+v; want run again and passing", tr)
	}

	// the model and its test are removed: so is its table
	res = build(sqlWith(t, nil))
	db, err := models.Open(context.Background(), wh, w.dir, 0, "", true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := rows(t, db, "select table_name from information_schema.tables where table_name = 'int_leftover'"); len(n) != 0 {
		t.Errorf("int_leftover, no longer a model, is still in the warehouse")
	}
	if len(res.Failed()) != 0 {
		t.Errorf("data tests failed after the extra test was removed: %v", res.Failed())
	}
}
