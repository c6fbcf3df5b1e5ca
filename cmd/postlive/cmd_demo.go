package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/fixtures"
	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/lake"
)

type demoOptions struct {
	out string
}

func newDemoCmd(e *env) *cobra.Command {
	var o demoOptions
	c := &cobra.Command{
		Use:   "demo",
		Short: "Build a workspace from the bundled sample exports and run everything",
		Long: `Demo writes a workspace from the sample exports bundled with postlive (Shopify
orders of two merchants, click log, per-15-second stream metrics, chat, Meta Ads
spend and the stream plan), imports them, builds the marts and prints the stream
KPIs and where the outputs are. An existing demo workspace in --out is replaced.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), e, o)
		},
	}
	c.Flags().StringVar(&o.out, "out", "postlive-demo", "folder for the demo workspace")
	return c
}

func runDemo(ctx context.Context, e *env, o demoOptions) error {
	start := time.Now()
	dir, err := filepath.Abs(o.out)
	if err != nil {
		return err
	}
	if err := prepareDemoDir(dir); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ".postlive-demo"), []byte("a workspace written by postlive demo\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "postlive.yaml"), fixtures.DemoConfig, 0o644); err != nil {
		return err
	}
	inbox := filepath.Join(dir, "inbox")
	for _, f := range fixtures.SampleImports {
		sub := filepath.Join(inbox, f.Kind, f.Merchant)
		if err := copyEmbedded(fixtures.Sample, "sample/"+f.File, filepath.Join(sub, f.File)); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "postlive demo: workspace %s\n\n", dir)
	de := *e
	de.workspace = dir
	ws, err := de.openWorkspace(true, 0)
	if err != nil {
		return err
	}
	defer ws.close()
	if err := ingest.Init(ws.Lake); err != nil {
		return err
	}
	for _, f := range fixtures.SampleImports {
		path := filepath.Join(inbox, f.Kind, f.Merchant, f.File)
		opt := ws.importOptions(f.Kind, "", f.Merchant, e.now)
		opt.Name = filepath.Join("inbox", f.Kind, f.Merchant, f.File)
		st, err := de.importFile(ctx, ws, path, opt)
		if err != nil {
			return err
		}
		de.printImport(st, true)
	}
	fmt.Fprintln(e.stdout)
	res, err := buildWorkspace(ctx, e.stdout, ws)
	if err != nil {
		return err
	}
	db, err := openWarehouse(ctx, ws)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := queryTable(ctx, db, `
select stream_id, platform, viewers, clicks, ctr, orders, revenue, rpv, aov, ad_spend, cpa, roas
from stream_kpis order by started_at, stream_id`)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "\nStream KPIs (stream_kpis)")
	if err := writeText(e.stdout, t); err != nil {
		return err
	}
	for _, q := range []struct{ title, sql string }{
		{"Creator payouts, 2026-11 (payouts; postlive payouts --period 2026-11 --lines lists every line)", `
select affiliate_id, currency, flat_fees, commission, performance_bonus, first_n_bonus, clawback, total
from payouts where period = '2026-11' order by affiliate_id, currency`},
		{"Campaigns (campaign_performance)", `
select campaign_id, level, affiliate_id, streams, orders, revenue, creator_cost, discount_value, ad_spend, true_cpa
from campaign_performance order by campaign_id, level = 'creator', affiliate_id`},
		{"Compliance checks (stream_compliance)", `
select check_name, count(*) filter (where status = 'pass') as passed, count(*) filter (where status = 'fail') as failed,
    count(*) filter (where status = 'info') as info, count(*) filter (where status = 'not_checked') as not_checked
from stream_compliance group by check_name, check_order order by check_order`},
	} {
		t, err := queryTable(ctx, db, q.sql)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "\n"+q.title)
		if err := writeText(e.stdout, t); err != nil {
			return err
		}
	}
	db.Close()
	fmt.Fprintln(e.stdout)
	if _, err := writeReports(ctx, e.stdout, ws, ws.ReportsDir()); err != nil {
		return err
	}
	printOutputs(e.stdout, ws)
	fmt.Fprintf(e.stdout, "done in %.1fs\n", time.Since(start).Seconds())
	return testFailures(res)
}

func printOutputs(w io.Writer, ws *session) {
	fmt.Fprintf(w, "\nOutputs\n")
	fmt.Fprintf(w, "  reports     %s\n", filepath.Join(ws.ReportsDir(), "index.html"))
	fmt.Fprintf(w, "  warehouse   %s\n", ws.WarehousePath())
	fmt.Fprintf(w, "  marts       %s\n", filepath.Join(ws.Lake.TableDir(lake.Marts), "*.parquet"))
	fmt.Fprintf(w, "  lake        %s\n", ws.Lake.Dir)
	self := selfCommand()
	fmt.Fprintf(w, "  try         %s --workspace %s query \"select * from drop_performance\"\n", self, ws.Dir)
	if _, err := exec.LookPath("postlive"); err != nil {
		fmt.Fprintf(w, "  install     make install puts postlive on your PATH (README.md § Install)\n")
	}
}

// selfCommand is how to run this postlive again from the current folder:
// "postlive" when that name on the PATH is this binary, else the path it
// was started by (bin/postlive after make demo), else its absolute path.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "postlive"
	}
	exe, _ = filepath.EvalSymlinks(exe)
	if p, err := exec.LookPath("postlive"); err == nil {
		if q, err := filepath.EvalSymlinks(p); err == nil {
			if a, _ := filepath.Abs(q); a == exe {
				return "postlive"
			}
		}
	}
	if arg := os.Args[0]; strings.ContainsRune(arg, filepath.Separator) {
		if q, err := filepath.EvalSymlinks(arg); err == nil {
			if a, _ := filepath.Abs(q); a == exe {
				return arg
			}
		}
	}
	return exe
}

// prepareDemoDir empties a previous demo workspace; it refuses to touch a
// non-empty folder that is not one.
func prepareDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, ".postlive-demo")); err != nil {
		return usagef("%s is not empty and is not a postlive demo workspace; pass --out with a new folder", dir)
	}
	for _, en := range entries {
		if en.Name() == ".postlive-demo" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, en.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyEmbedded(fsys fs.FS, src, dst string) error {
	b, err := fs.ReadFile(fsys, src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
