package reports

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/postlive/postlive/reports/browsertest"
)

// TestWarehouseFile writes the reports of a real warehouse, e.g. the demo's:
//
//	postlive demo --out /tmp/demo
//	POSTLIVE_TEST_WAREHOUSE=/tmp/demo/warehouse.duckdb go test ./reports -run TestWarehouseFile -v
//
// The reports land in POSTLIVE_TEST_REPORTS (default: a temporary folder) and
// are opened in the browser like the hand-made ones, with a screenshot of
// each in artifacts/warehouse/. Skipped without the variable.
func TestWarehouseFile(t *testing.T) {
	path := os.Getenv("POSTLIVE_TEST_WAREHOUSE")
	if path == "" {
		t.Skip("set POSTLIVE_TEST_WAREHOUSE to a warehouse.duckdb to run")
	}
	requireBundle(t)
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := os.Getenv("POSTLIVE_TEST_REPORTS")
	if out == "" {
		out = t.TempDir()
	}
	res, err := Write(context.Background(), db, Options{Out: out, Now: testNow, Currency: "USD"})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	t.Logf("wrote %d files into %s", len(res.Files), out)
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		return
	}
	browser := browsertest.Start(t)
	for _, f := range res.Files {
		if filepath.Ext(f) != ".html" {
			continue
		}
		ctx, l := browsertest.Open(t, browser, f, 1280, 900)
		checks, err := runCanvasCheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range checks {
			if !c.Canvas || c.Painted < 200 {
				t.Errorf("%s: chart %s not drawn", filepath.Base(f), c.ID)
			}
		}
		browsertest.AssertClean(t, filepath.Base(f), l)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(browsertest.ArtifactsDir(t), "warehouse")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
