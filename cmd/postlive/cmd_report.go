package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/lake"
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
			_, err = writeReports(cmd.Context(), e.stdout, ws, dir, false)
			return err
		},
	}
	c.Flags().StringVar(&o.out, "out", "", "folder for the reports (default <workspace>/reports)")
	c.Flags().DurationVar(&o.wait, "wait", 0, "how long to wait for another postlive process to release the workspace")
	return c
}

// writeReports renders every report from the warehouse into dir. With
// onlyChanged, a report (but the index) whose content is that of the file
// the last write left in the workspace's reports folder is kept as it is:
// a night rewrites the reports of what changed.
func writeReports(ctx context.Context, out io.Writer, ws *session, dir string, onlyChanged bool) (reports.Result, error) {
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
	inWorkspace := filepath.Clean(dir) == filepath.Clean(ws.ReportsDir())
	state := loadReportState(ws)
	opt := reports.Options{Out: dir, Now: asOf, Currency: ws.cfg.Currency,
		Progress: func(done, total int) {
			if done == 0 {
				bar = ws.progress("write reports", int64(total), false)
			}
			bar.set(int64(done))
		}}
	if onlyChanged && inWorkspace {
		opt.Keep = func(name, sum string) bool { return state.holds(dir, name, sum) }
		opt.Unchanged = func(name, inputs string) (string, bool) { return state.madeFrom(dir, name, inputs) }
	}
	res, err := reports.Write(ctx, db, opt)
	bar.done()
	if inWorkspace {
		// also after a failure: what was written is recorded, so the next
		// night does not write it again (and a file not recorded is)
		if serr := state.record(ws, dir, res.Sums, res.Inputs); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return res, err
	}
	ws.log.Info("reports written", "dir", dir, "files", len(res.Files), "unchanged", len(res.Kept), "rendered", res.Rendered, "took", time.Since(start))
	if len(res.Kept) > 0 {
		fmt.Fprintf(out, "wrote %d report files to %s (%d unchanged, kept)\n", len(res.Files), dir, len(res.Kept))
	} else {
		fmt.Fprintf(out, "wrote %d report files to %s\n", len(res.Files), dir)
	}
	fmt.Fprintf(out, "open %s\n", filepath.Join(dir, "index.html"))
	return res, nil
}

// reportState is what the last write left in the workspace's reports
// folder: per file, the content's reports.Sum, what it was rendered from
// (reports.Result.Inputs) and the file's size and modification time (a
// file changed or removed by hand since is written again).
type reportState struct {
	Files map[string]reportFile `json:"files"`
}

type reportFile struct {
	Sum      string `json:"sum"`
	Inputs   string `json:"inputs,omitempty"`
	Size     int64  `json:"size"`
	ModNanos int64  `json:"mod_nanos"`
}

func reportStatePath(ws *session) string { return filepath.Join(ws.StateDir(), "report-state.json") }

func loadReportState(ws *session) *reportState {
	st := &reportState{}
	if b, err := os.ReadFile(reportStatePath(ws)); err == nil {
		json.Unmarshal(b, st)
	}
	if st.Files == nil {
		st.Files = map[string]reportFile{}
	}
	return st
}

// holds says whether dir/name is the file last written with content sum.
func (st *reportState) holds(dir, name, sum string) bool {
	f, ok := st.Files[name]
	if !ok || f.Sum != sum {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, name))
	return err == nil && fi.Size() == f.Size && fi.ModTime().UnixNano() == f.ModNanos
}

// madeFrom says whether dir/name is the file last written from inputs,
// untouched since, and returns its sum.
func (st *reportState) madeFrom(dir, name, inputs string) (string, bool) {
	f, ok := st.Files[name]
	if !ok || f.Inputs == "" || f.Inputs != inputs {
		return "", false
	}
	fi, err := os.Stat(filepath.Join(dir, name))
	if err != nil || fi.Size() != f.Size || fi.ModTime().UnixNano() != f.ModNanos {
		return "", false
	}
	return f.Sum, true
}

// record keeps the sums and inputs of the files in dir now (a file that is
// missing is left out, so it is written next time).
func (st *reportState) record(ws *session, dir string, sums, inputs map[string]string) error {
	next := &reportState{Files: map[string]reportFile{}}
	for name, sum := range sums {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		next.Files[name] = reportFile{Sum: sum, Inputs: inputs[name], Size: fi.Size(), ModNanos: fi.ModTime().UnixNano()}
	}
	b, err := json.Marshal(next)
	if err != nil {
		return err
	}
	*st = *next
	return lake.WriteFile(reportStatePath(ws), func(f io.Writer) error {
		_, err := f.Write(b)
		return err
	})
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
