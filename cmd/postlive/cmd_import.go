package main

import (
	"errors"
	"fmt"
	"io"
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
			if err := ws.lake.Init(); err != nil {
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
func importFiles(cmd *cobra.Command, e *env, ws *workspace, kind string, files []string, o importOptions) (int, error) {
	var firstErr error
	rejected := 0
	for _, path := range files {
		opt := ws.importOptions(cmd.Context(), kind, o.format, o.merchant, e.now)
		st, err := ingest.Import(cmd.Context(), ws.lake, path, opt)
		if err != nil {
			var fe *ingest.FileError
			var me *ingest.ErrMerchantRequired
			if errors.As(err, &fe) || errors.As(err, &me) {
				err = &usageError{err.Error()}
			}
			fmt.Fprintln(e.stderr, "postlive: "+err.Error())
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		printImport(e.stdout, e.stderr, st)
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

func printImport(out, errOut io.Writer, st *ingest.Stats) {
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
	for i, r := range st.Rejects {
		if i == maxPrinted {
			fmt.Fprintf(errOut, "%s: … and %d more rejected rows; all are kept in lake/_rejects (postlive query \"select * from stg_rejects\")\n", st.File, len(st.Rejects)-maxPrinted)
			break
		}
		fmt.Fprintln(errOut, r.Message(st.File))
	}
}
