package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/reports"
)

type reportOptions struct {
	out  string
	wait time.Duration
}

func newReportCmd(e *env) *cobra.Command {
	var o reportOptions
	c := &cobra.Command{
		Use:   "report",
		Short: "Write the HTML reports (index, streams, experiments, merchants)",
		Long: `Report writes self-contained HTML reports from the marts: index.html,
stream-<id>.html per stream, experiment-<id>.html per experiment,
merchant-<id>.html per merchant and merchant-<id>-reconciliation.csv. Each file
works offline (ECharts is inlined; nothing is loaded from the network). The
same data gives byte-identical files: pages are stamped with the time of the
newest import, not the clock.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := e.openWorkspace(true, o.wait)
			if err != nil {
				return err
			}
			defer ws.close()
			dir := o.out
			if dir == "" {
				dir = ws.ReportsDir()
			}
			_, err = writeReports(cmd.Context(), e.stdout, ws, dir)
			return err
		},
	}
	c.Flags().StringVar(&o.out, "out", "", "folder for the reports (default <workspace>/reports)")
	c.Flags().DurationVar(&o.wait, "wait", 0, "how long to wait for another postlive process to release the workspace")
	return c
}

// writeReports renders every report from the warehouse into dir.
func writeReports(ctx context.Context, out io.Writer, ws *session, dir string) (reports.Result, error) {
	db, err := openWarehouse(ctx, ws)
	if err != nil {
		return reports.Result{}, err
	}
	defer db.Close()
	asOf, err := dataAsOf(ctx, db)
	if err != nil {
		return reports.Result{}, err
	}
	start := time.Now()
	bar := &progress{}
	res, err := reports.Write(ctx, db, reports.Options{Out: dir, Now: asOf, Currency: ws.cfg.Currency,
		Progress: func(done, total int) {
			if done == 0 {
				bar = ws.progress("write reports", int64(total), false)
			}
			bar.set(int64(done))
		}})
	bar.done()
	if err != nil {
		return res, err
	}
	ws.log.Info("reports written", "dir", dir, "files", len(res.Files), "took", time.Since(start))
	fmt.Fprintf(out, "wrote %d report files to %s\n", len(res.Files), dir)
	fmt.Fprintf(out, "open %s\n", filepath.Join(dir, "index.html"))
	return res, nil
}

// dataAsOf is the time of the newest import: reports carry it instead of the
// wall clock, so rebuilding with nothing new changes no byte.
func dataAsOf(ctx context.Context, db *sql.DB) (time.Time, error) {
	var t sql.NullTime
	if err := db.QueryRowContext(ctx, "select max(imported_at) from stg_manifest").Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("read manifest: %w", err)
	}
	if !t.Valid {
		return time.Unix(0, 0).UTC(), nil
	}
	return t.Time.UTC(), nil
}
