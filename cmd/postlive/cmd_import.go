package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/escape"
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
detected from the header (or named with --input-format). Good rows land even when
others are rejected; every rejected row is printed (the first 20 per file) as
FILE:LINE:COLUMN: problem; what to do, and kept in lake/_rejects.
A file already imported (same sha256) is skipped.

KIND is one of: ` + strings.Join(ingest.Kinds(), ", ") + `

Formats:
` + formatList(),
		Args: importArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("format") {
				fmt.Fprintln(e.stderr, "postlive: note: --format is now --input-format on import (--format names output formats in every command; docs/cli.md)")
			}
			if o.format != "" {
				if names := inputFormatNames(args[0]); !probeHas(names, o.format) {
					return usagef("--input-format %q is not a %s format%s; %s formats: %s (see `postlive import --help`)",
						o.format, args[0], didYouMean(o.format, names), args[0], strings.Join(names, ", "))
				}
			}
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
	c.Flags().StringVar(&o.format, "input-format", "", "export format to read the files as, instead of detecting it from the header (a FORMAT of the table above)")
	// --format was the input format before it meant the output format in
	// every command (docs/cli.md); it still works here, with a warning.
	c.Flags().StringVar(&o.format, "format", "", "")
	c.Flags().MarkHidden("format")
	c.Flags().StringVar(&o.merchant, "merchant", "", "merchant id for exports that do not carry one (default: default_merchant)")
	c.Flags().BoolVar(&o.strict, "strict", false, "exit 3 when any row is rejected")
	c.Flags().DurationVar(&o.wait, "wait", 0, "how long to wait for another postlive process to release the workspace")
	return c
}

// importArgs checks `import KIND FILE...`: a known kind (or the nearest
// one) and at least one file.
func importArgs(c *cobra.Command, args []string) error {
	kinds := ingest.Kinds()
	if len(args) == 0 {
		return usagef("postlive import needs a KIND and at least one FILE; usage: postlive import KIND FILE... with KIND one of %s (see `postlive import --help`)", strings.Join(kinds, ", "))
	}
	if !probeHas(kinds, args[0]) {
		return usagef("unknown import kind %q%s; KIND is one of %s (usage: postlive import KIND FILE...)", args[0], didYouMean(args[0], kinds), strings.Join(kinds, ", "))
	}
	if len(args) < 2 {
		return usagef("postlive import %s needs at least one FILE to import; usage: postlive import %s FILE... (or put files in inbox/%s/ and run `postlive run`)", args[0], args[0], args[0])
	}
	return nil
}

// importFiles imports each file and prints its summary; it goes on after a
// file that cannot be read and returns the first such error at the end.
func importFiles(cmd *cobra.Command, e *env, ws *session, kind string, files []string, o importOptions) (int, error) {
	var firstErr error
	rejected := 0
	for _, path := range files {
		opt := ws.importOptions(kind, o.format, o.merchant, e.now)
		err := checkInputFile(path)
		var st *ingest.Stats
		if err == nil {
			st, err = e.importFile(cmd.Context(), ws, path, opt)
		}
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

// checkInputFile is the one check of a file named on the command line
// (import, probe): missing, a folder and empty are all usage errors (exit
// 2), each saying what to do.
func checkInputFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usagef("%s: no such file; check the path (postlive import KIND FILE...)", path)
	case err != nil:
		return usagef("%s: cannot be read: %v", path, errors.Unwrap(err))
	case fi.IsDir():
		return usagef("%s: is a folder; name the files in it (e.g. %s), or put them in inbox/<kind>/ and run `postlive run`", path, filepath.Join(path, "*.csv"))
	case fi.Size() == 0:
		return usagef("%s: is empty; export it again with its header row", path)
	}
	return nil
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
		fmt.Fprintf(out, "%s: already imported (sha256 %s…, format %s); nothing to do\n", escape.Terminal(st.File), st.SHA256[:12], st.Format)
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
	fmt.Fprintf(out, "%s: %d read, %d accepted, %d rejected (format %s%s%s)\n", escape.Terminal(st.File), st.Read, st.Accepted, st.Rejected, st.Format, written, again)
	reject := func(msg string, attrs ...any) { e.problem(slog.LevelWarn, "row rejected", msg, attrs...) }
	if rejectsOnStdout {
		reject = func(msg string, _ ...any) { fmt.Fprintln(out, escape.Terminal(msg)) }
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
