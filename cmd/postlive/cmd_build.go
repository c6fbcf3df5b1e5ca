package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/escape"
	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/models"
)

type buildOptions struct {
	wait time.Duration
	full bool
}

func newBuildCmd(e *env) *cobra.Command {
	var o buildOptions
	c := &cobra.Command{
		Use:   "build",
		Short: "Run the SQL models and data tests; rebuild the marts",
		Long: `Build runs the SQL models of sql/ on DuckDB in the order their references imply:
staging views over the lake, intermediate views, then the marts (stream_kpis,
stream_minute, drop_performance, coupon_reconciliation, commission_reconciliation,
coupon_leaks, …), materialised in
warehouse.duckdb and exported to lake/marts/*.parquet. Then it runs the data
tests of sql/tests; a failed test is printed with its first offending rows and
the command exits 3 (the marts are still rebuilt).

Build works in a copy of the previous warehouse: a table whose inputs did
not change since the previous build (the same SQL over the same lake files,
with the same settings and postlive binary) stays as it is instead of being
computed again; after a night that brought only orders, the click
classification is reused. New click files (or streams, links) change the
click tables in place: duplicates and classification are found again only
for the clicks, visitors and links the night touches. A data test runs again
only when what it reads changed, and a mart is exported again only when it
changed. With nothing changed since the last build, build says so and
changes nothing. --full computes everything in a new file.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := e.openWorkspace(true, o.wait)
			if err != nil {
				return err
			}
			defer ws.close()
			res, err := buildWorkspaceWith(cmd.Context(), e.stdout, ws, o.full)
			if err != nil {
				return err
			}
			return testFailures(res)
		},
	}
	c.Flags().DurationVar(&o.wait, "wait", 0, "how long to wait for another postlive process to release the workspace")
	c.Flags().BoolVar(&o.full, "full", false, "compute every table, reusing nothing from the previous build")
	return c
}

// buildWorkspace runs the models, reusing the tables of the previous build
// whose inputs did not change, and prints what was built.
func buildWorkspace(ctx context.Context, out io.Writer, ws *session) (*models.Result, error) {
	return buildWorkspaceWith(ctx, out, ws, false)
}

// buildWorkspaceWith is buildWorkspace; full computes every table. Unless
// full, a build with nothing changed since the last one (the same
// workspace.BuildKey, the warehouse that build wrote, its data tests
// passed) does nothing and says so.
func buildWorkspaceWith(ctx context.Context, out io.Writer, ws *session, full bool) (*models.Result, error) {
	if err := ingest.Init(ws.Lake); err != nil {
		return nil, err
	}
	key, err := ws.BuildKey()
	if err != nil {
		return nil, err
	}
	state := loadRunState(ws)
	res, err := buildWorkspaceState(ctx, out, ws, full, key, state)
	if err != nil {
		return nil, err
	}
	return res, state.save(ws)
}

// buildWorkspaceState builds unless state says the warehouse was built from
// key (and full is not set), and records the build in state (the caller
// saves it). The key is taken before the build: a file imported meanwhile
// cannot be in it (the workspace is locked), so it names what was built.
func buildWorkspaceState(ctx context.Context, out io.Writer, ws *session, full bool, key string, state *runState) (*models.Result, error) {
	if !full && state.upToDate(ws, key) {
		fmt.Fprintln(out, "nothing changed since the last build: the warehouse and marts are up to date; --full computes everything again")
		ws.log.Info("build skipped: nothing changed")
		return &models.Result{}, nil
	}
	res, err := buildOnce(ctx, out, ws, full)
	if err != nil {
		return nil, err
	}
	state.built(ws, key, len(res.Failed()) > 0)
	return res, nil
}

// buildOnce runs the build and prints what it did.
func buildOnce(ctx context.Context, out io.Writer, ws *session, full bool) (*models.Result, error) {
	entries, err := ws.Lake.Manifest(ctx)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errEmptyWorkspace(ws.Dir)
	}
	start := time.Now()
	opt, err := ws.BuildOptions(full)
	if err != nil {
		return nil, err
	}
	opt.Log = ws.log
	// on a terminal: which model is being computed, a step per model
	var bar *progress
	opt.Progress = func(step string, done, total int) {
		if bar == nil {
			bar = ws.progress("build", int64(total), false)
		}
		bar.describe(fmt.Sprintf("build %s", step))
		bar.set(int64(done))
	}
	res, err := models.Build(ctx, opt)
	if bar != nil {
		bar.done()
	}
	if err != nil {
		return nil, err
	}
	layers := map[string]int{}
	for _, m := range res.Models {
		layers[m.Layer]++
	}
	failed := res.Failed()
	ws.log.Info("warehouse built", "models", len(res.Models), "marts", len(res.Marts),
		"tests_passed", len(res.Tests)-len(failed), "tests_failed", len(failed), "took", time.Since(start))
	fmt.Fprintf(out, "built %d models (%d staging, %d intermediate, %d marts) in %.1fs\n",
		len(res.Models), layers["staging"], layers["intermediate"], layers["marts"], time.Since(start).Seconds())
	if len(res.Reused) > 0 {
		fmt.Fprintf(out, "  reused from the previous build (inputs unchanged): %s\n", strings.Join(res.Reused, ", "))
	}
	if len(res.Extended) > 0 {
		fmt.Fprintf(out, "  extended from the previous build by the new rows: %s\n", strings.Join(res.Extended, ", "))
	}
	var marts []string
	for m := range res.Marts {
		marts = append(marts, m)
	}
	sort.Strings(marts)
	width := 0
	for _, m := range marts {
		width = max(width, len(m))
	}
	for _, m := range marts {
		fmt.Fprintf(out, "  %-*s %8d rows\n", width, m, res.Marts[m])
	}
	fmt.Fprintf(out, "data tests: %d passed, %d failed\n", len(res.Tests)-len(failed), len(failed))
	if err := printOrderNotes(ctx, out, ws); err != nil {
		return nil, err
	}
	for _, t := range failed {
		kept := ""
		if t.Kept {
			kept = " (nothing it reads changed since it last ran)"
		}
		fmt.Fprintf(out, "FAIL %s (%s): %d offending rows%s; first %d:\n", t.Name, t.Path, t.Failures, kept, len(t.Sample))
		fmt.Fprintf(out, "    %s\n", strings.Join(t.Columns, " | "))
		for _, r := range t.Sample {
			fmt.Fprintf(out, "    %s\n", escape.Terminal(strings.Join(r, " | ")))
		}
	}
	cov, err := measureCoverage(ctx, ws, entries)
	if err != nil {
		return nil, err
	}
	cov.print(out)
	for _, w := range cov.warnings {
		if !ws.terminal {
			ws.log.Warn("build warning", "warning", w)
		}
	}
	return res, nil
}

func testFailures(res *models.Result) error {
	failed := res.Failed()
	if len(failed) == 0 {
		return nil
	}
	names := make([]string, len(failed))
	for i, t := range failed {
		names[i] = t.Name
	}
	return &dataError{fmt.Sprintf("%d data tests failed: %s", len(failed), strings.Join(names, ", "))}
}

// printOrderNotes says what the build could not put on a stream's timeline
// or on a stream at all: revenue known only by its day (during/after
// unknown, docs/metrics.md § Orders of a whole day), and returns or
// corrections whose sale no stream is credited with (order_adjustments), so
// that none is dropped silently.
func printOrderNotes(ctx context.Context, out io.Writer, ws *session) error {
	db, err := openWarehouse(ctx, ws)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `
select 'day' as what, currency, count(*), sum(revenue_timing_unknown)::varchar, sum(revenue_day_grained)::varchar
from (select currency, revenue_timing_unknown, revenue_day_grained from stream_kpis where revenue_day_grained <> 0 or revenue_timing_unknown <> 0)
group by currency
union all
select 'returns', currency, count(*), sum(revenue)::varchar, string_agg(distinct match, ', ' order by match)
from order_adjustments where match <> 'stream'
group by currency
order by 1, 2`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var what, cur, a, b string
		var n int
		if err := rows.Scan(&what, &cur, &n, &a, &b); err != nil {
			return err
		}
		if what == "day" {
			fmt.Fprintf(out, "orders known only by their day: %s %s of %d streams' revenue (%s %s of it during or after the stream: unknown); see stream_kpis.revenue_day_grained\n", b, cur, n, a, cur)
		} else {
			fmt.Fprintf(out, "returns and corrections on no stream: %d (%s %s; %s); see order_adjustments\n", n, a, cur, b)
		}
	}
	return rows.Err()
}
