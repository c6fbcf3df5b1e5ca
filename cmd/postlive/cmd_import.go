package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/ingest"
)

type importOptions struct {
	format   string
	merchant string
	strict   bool
	wait     time.Duration
}

// maxPrinted is how many rejected rows an import prints per file.
const maxPrinted = 20

func newImportCmd(e *env) *cobra.Command {
	var o importOptions
	c := &cobra.Command{
		Use:   "import KIND FILE...",
		Short: "Import export files into the lake",
		Long: `Import reads export files of one KIND into the Parquet lake. The format is
detected from the header (or named with --format). Good rows land even when
others are rejected; every rejected row is printed (the first 20 per file) as
FILE:LINE:COLUMN: problem; what to do, and kept in lake/_rejects.
A file already imported (same sha256) is skipped.

KIND is one of: ` + strings.Join(ingest.Kinds(), ", ") + `

Formats:
` + formatList(),
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := e.openWorkspace(true, o.wait)
			if err != nil {
				return err
			}
			defer ws.close()
			if err := ingest.Init(ws.Lake); err != nil {
				return err
			}
			rejected, err := importFiles(cmd, e, ws, args[0], args[1:], o)
			if err != nil {
				return err
			}
			if o.strict && rejected > 0 {
				return &dataError{fmt.Sprintf("%d rows rejected (--strict)", rejected)}
			}
			return nil
		},
	}
	c.Flags().StringVar(&o.format, "format", "", "format name instead of detecting it from the header")
	c.Flags().StringVar(&o.merchant, "merchant", "", "merchant id for exports that do not carry one (default: default_merchant)")
	c.Flags().BoolVar(&o.strict, "strict", false, "exit 3 when any row is rejected")
	c.Flags().DurationVar(&o.wait, "wait", 0, "how long to wait for another postlive process to release the workspace")
	return c
}

func formatList() string {
	var b strings.Builder
	for _, f := range ingest.Formats() {
		kind := "CSV"
		if f.JSONL {
			kind = "JSONL"
		}
		fmt.Fprintf(&b, "  %-15s %-14s %-5s %s\n", f.Kind, f.Name, kind, f.Doc)
	}
	return b.String()
}

// importFiles imports each file and prints its summary; it goes on after a
// file that cannot be read and returns the first such error at the end.
func importFiles(cmd *cobra.Command, e *env, ws *session, kind string, files []string, o importOptions) (int, error) {
	var firstErr error
	rejected := 0
	for _, path := range files {
		opt := ws.importOptions(kind, o.format, o.merchant, e.now)
		st, err := e.importFile(cmd.Context(), ws, path, opt)
		if err != nil {
			var fe *ingest.FileError
			var me *ingest.ErrMerchantRequired
			if errors.As(err, &fe) || errors.As(err, &me) {
				err = &usageError{err.Error()}
			}
			e.problem(slog.LevelError, "file not imported", "postlive: "+err.Error(), "file", path)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		e.printImport(st, false)
		rejected += st.Rejected
	}
	if firstErr != nil {
		return rejected, &reportedError{firstErr}
	}
	return rejected, nil
}

// reportedError wraps an error already printed, so it is not printed twice.
type reportedError struct{ err error }

func (r *reportedError) Error() string { return r.err.Error() }
func (r *reportedError) Unwrap() error { return r.err }

// importFile imports one file — with a progress bar for a large file when
// stderr is a terminal — and logs what happened.
func (e *env) importFile(ctx context.Context, ws *session, path string, opt ingest.Options) (*ingest.Stats, error) {
	name := opt.Name
	if name == "" {
		name = path
	}
	start := time.Now()
	bar := &progress{}
	if fi, err := os.Stat(path); err == nil && fi.Size() >= progressMinBytes {
		bar = e.newProgress("import "+name, fi.Size(), true)
		opt.Progress = func(n int) { bar.add(int64(n)) }
	}
	st, err := ingest.Import(ctx, ws.Lake, path, opt)
	bar.done()
	if err != nil {
		return nil, err
	}
	if st.Skipped {
		e.log.Debug("file already imported", "file", name, "sha256", st.SHA256[:12], "format", st.Format)
		return st, nil
	}
	attrs := []any{"file", name, "kind", st.Kind, "format", st.Format, "read", st.Read, "accepted", st.Accepted, "rejected", st.Rejected}
	if st.Retried > 0 {
		attrs = append(attrs, "replaced_import_with_rejected", st.Retried)
	}
	e.log.Info("file imported", append(attrs, "took", time.Since(start))...)
	return st, nil
}

// progressMinBytes is the size from which an import draws a progress bar
// (a variable for the tests).
var progressMinBytes int64 = 8 << 20

// printImport prints a file's import line on stdout and its rejected rows
// (the first maxPrinted) on stderr, or on stdout when rejectsOnStdout. With
// JSON logs the rejected rows on stderr are warning records.
func (e *env) printImport(st *ingest.Stats, rejectsOnStdout bool) {
	out := e.stdout
	if st.Skipped {
		fmt.Fprintf(out, "%s: already imported (sha256 %s…, format %s); nothing to do\n", st.File, st.SHA256[:12], st.Format)
		return
	}
	var parts []string
	var tables []string
	for t := range st.Written {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		parts = append(parts, fmt.Sprintf("%d %s", st.Written[t], t))
	}
	written := ""
	if len(parts) > 0 {
		written = "; " + strings.Join(parts, ", ")
	}
	again := ""
	if st.Retried > 0 {
		again = fmt.Sprintf(", imported again: the previous import had %d rejected", st.Retried)
	}
	fmt.Fprintf(out, "%s: %d read, %d accepted, %d rejected (format %s%s%s)\n", st.File, st.Read, st.Accepted, st.Rejected, st.Format, written, again)
	reject := func(msg string, attrs ...any) { e.problem(slog.LevelWarn, "row rejected", msg, attrs...) }
	if rejectsOnStdout {
		reject = func(msg string, _ ...any) { fmt.Fprintln(out, msg) }
	}
	for i, r := range st.Rejects {
		if i == maxPrinted {
			reject(fmt.Sprintf("%s: … and %d more rejected rows; all are kept in lake/_rejects (postlive query \"select * from stg_rejects\")", st.File, st.Rejected-maxPrinted),
				"file", st.File, "more_rejected", st.Rejected-maxPrinted)
			break
		}
		reject(r.Message(st.File), "file", st.File, "line", r.Line, "column", r.Column, "field", r.Field)
	}
}
