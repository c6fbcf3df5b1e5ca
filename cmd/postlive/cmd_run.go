package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/lake"
)

type runOptions struct {
	wait   time.Duration
	strict bool
}

func newRunCmd(e *env) *cobra.Command {
	var o runOptions
	c := &cobra.Command{
		Use:   "run",
		Short: "The nightly job: import everything new in inbox/, build, write reports, send e-mail",
		Long: `Run imports every file under inbox/<kind>/ that is not yet in the manifest
(format detected per file; files under inbox/orders/<merchant>/ are that
merchant's, others take default_merchant), rebuilds the marts, runs the data tests
and writes the reports that changed (and the index); when email.smtp.host is set it then e-mails each
affiliate their new and updated stream reports, as postlive send does. With
nothing new and nothing changed (same imports, configuration and models) it
only checks and says so, changing no file (it still sends e-mail that is due,
e.g. after a night the SMTP server was down).
A summary ends the run: files imported, rows accepted and rejected, data tests,
reports written, mails sent.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := e.openWorkspace(true, o.wait)
			if err != nil {
				return err
			}
			defer ws.close()
			return runNightly(cmd.Context(), e, ws, o)
		},
	}
	c.Flags().DurationVar(&o.wait, "wait", 0, "how long to wait for another postlive process to release the workspace")
	c.Flags().BoolVar(&o.strict, "strict", false, "exit 3 when any row is rejected")
	return c
}

// inboxFile is one file waiting in the inbox.
type inboxFile struct {
	path, rel, kind, merchant string
}

// scanInbox lists inbox/<kind>/[<merchant>/]FILE in a fixed order.
func scanInbox(ws *session) ([]inboxFile, error) {
	root := ws.InboxDir()
	var out []inboxFile
	kinds := map[string]bool{}
	for _, k := range ingest.Kinds() {
		kinds[k] = true
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) < 2 || !kinds[parts[0]] {
			return usagef("%s: put inbox files under inbox/<kind>/ with kind one of %s", filepath.Join("inbox", rel), strings.Join(ingest.Kinds(), ", "))
		}
		f := inboxFile{path: p, rel: filepath.Join("inbox", rel), kind: parts[0]}
		if len(parts) == 3 {
			f.merchant = parts[1]
		} else if len(parts) > 3 {
			return usagef("%s: nest at most one folder (the merchant id) under inbox/<kind>/", f.rel)
		}
		out = append(out, f)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out, err
}

// runState remembers, between runs, which inbox files (by size and
// modification time) were already imported, what the last build was made
// from and what the reports were written from, so a night (or a build) with
// nothing new does almost nothing.
type runState struct {
	Seen      map[string]string `json:"seen"`      // path|size|mtime → sha256
	Built     string            `json:"built"`     // the BuildKey of the last build whose data tests passed
	Warehouse string            `json:"warehouse"` // size and modification time of the warehouse that build wrote
	Reported  string            `json:"reported"`  // the BuildKey of the warehouse the reports were written from
}

func loadRunState(ws *session) *runState {
	st := &runState{Seen: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(ws.StateDir(), "run-state.json"))
	if err == nil {
		json.Unmarshal(b, st)
		if st.Reported == "" && st.Warehouse == "" {
			// written before builds and reports were told apart: "built"
			// meant both
			st.Reported = st.Built
		}
	}
	if st.Seen == nil {
		st.Seen = map[string]string{}
	}
	return st
}

// warehouseStamp names the warehouse file by size and modification time
// ("" when there is none).
func warehouseStamp(ws *session) string {
	fi, err := os.Stat(ws.WarehousePath())
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano())
}

// upToDate says whether the warehouse is the one the last build made from
// key: same key, same file (a warehouse restored or copied over by hand is
// not trusted), and its data tests passed.
func (st *runState) upToDate(ws *session, key string) bool {
	stamp := warehouseStamp(ws)
	if stamp == "" || st.Built == "" || st.Built != key {
		return false
	}
	// a state written before the stamp was kept trusts the file that exists
	return st.Warehouse == "" || st.Warehouse == stamp
}

// built records a build from key; failed data tests record none, so that
// the next build runs them again and shows the failures.
func (st *runState) built(ws *session, key string, failed bool) {
	st.Built, st.Warehouse = key, warehouseStamp(ws)
	if failed {
		st.Built = ""
	}
}

func (st *runState) save(ws *session) error {
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	return lake.WriteFile(filepath.Join(ws.StateDir(), "run-state.json"), func(f io.Writer) error {
		_, err := f.Write(b)
		return err
	})
}

// statKey identifies an inbox file as seen under the import settings it
// gets (opt.ConfigKey, which the manifest keeps too): a changed file or
// changed settings (a time zone set after a night of rejects) make it a
// candidate again; ingest then skips it by sha256 unless its earlier import
// had rejected rows and other settings.
func statKey(f inboxFile, opt ingest.Options) (string, error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s|%d|%d|%s", f.rel, fi.Size(), fi.ModTime().UnixNano(), opt.ConfigKey()), nil
}

func runNightly(ctx context.Context, e *env, ws *session, o runOptions) error {
	start := time.Now()
	if err := ingest.Init(ws.Lake); err != nil {
		return err
	}
	files, err := scanInbox(ws)
	if err != nil {
		return err
	}
	state := loadRunState(ws)
	// The manifest, not the run state, says what is imported: a file seen
	// before whose manifest entry is gone (taken back by hand, or a lake
	// restored from an older backup) is imported again.
	manifest, err := ws.Lake.Manifest(ctx)
	if err != nil {
		return err
	}
	inLake := map[string]bool{}
	for _, m := range manifest {
		inLake[m.SHA256] = true
	}
	seen := map[string]string{}
	var imported, accepted, rejected, skipped int
	var problems []string // inbox files not imported or read in part
	for _, f := range files {
		opt := ws.importOptions(f.kind, "", f.merchant, e.now)
		opt.Name = f.rel
		key, err := statKey(f, opt)
		if err != nil {
			return err
		}
		if sha, ok := state.Seen[key]; ok && inLake[sha] {
			seen[key] = sha
			skipped++
			continue
		}
		st, err := e.importFile(ctx, ws, f.path, opt)
		if err != nil {
			// a file postlive cannot read (its header, its encoding, its
			// merchant, the file itself) is reported and the night goes on
			// with the others; exit 3 at the end says so
			var fe *ingest.FileError
			var me *ingest.ErrMerchantRequired
			var pe *fs.PathError
			if errors.As(err, &fe) || errors.As(err, &me) || errors.As(err, &pe) && pe.Path == f.path {
				e.problem(slog.LevelError, "file not imported", "postlive: "+err.Error(), "file", f.rel)
				problems = append(problems, f.rel+" not imported")
				continue
			}
			return err
		}
		seen[key] = st.SHA256
		if st.Skipped {
			skipped++
			continue
		}
		e.printImport(st, false)
		if st.Partial != "" {
			e.problem(slog.LevelError, "file read in part", fmt.Sprintf("postlive: %s: %s; the rows before it were imported, the rest is in lake/_rejects; fetch the file again", f.rel, st.Partial), "file", f.rel)
			problems = append(problems, f.rel+" read in part")
		}
		imported++
		accepted += st.Accepted
		rejected += st.Rejected
	}
	state.Seen = seen // only files still in the inbox, under this configuration
	// what the build would read (lake, settings, SQL, binary): unchanged
	// since the last build, there is nothing to do
	fp, err := ws.BuildKey()
	if err != nil {
		return err
	}
	_, repErr := os.Stat(filepath.Join(ws.ReportsDir(), "index.html"))
	if imported == 0 && state.upToDate(ws, fp) && fp == state.Reported && repErr == nil {
		if err := state.save(ws); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "nothing new: %d inbox files already imported; marts and reports are up to date (%.2fs)\n", skipped, time.Since(start).Seconds())
		if _, err := nightlyMail(ctx, e, ws); err != nil {
			return err
		}
		e.log.Info("run finished: nothing new", "inbox_files", len(files), "took", time.Since(start))
		return fileProblems(problems)
	}
	// the warehouse may be up to date already (a postlive build ran since
	// the last run): then only the reports are written
	res, err := buildWorkspaceState(ctx, e.stdout, ws, false, fp, state)
	if err != nil {
		return err
	}
	rep, err := writeReports(ctx, e.stdout, ws, ws.ReportsDir(), true)
	if err != nil {
		return err
	}
	state.Reported = fp
	if err := state.save(ws); err != nil {
		return err
	}
	var mail sendResult
	var mailErr error
	mailWords := ""
	if len(res.Failed()) == 0 {
		mail, mailErr = nightlyMail(ctx, e, ws)
	} else if ws.cfg.Email.SMTP.Host != "" {
		// All sending is held: numbers a data test doubts reach no affiliate.
		fmt.Fprintln(e.stdout, "e-mail not sent: a data test failed, so the numbers may be wrong; fix the data and run again")
		mailWords = "e-mail held (" + plural(len(res.Failed()), "data test", "data tests") + " failed)"
	}
	printRunSummary(e.stdout, imported, skipped, accepted, rejected, len(res.Tests)-len(res.Failed()), len(res.Failed()), len(rep.Files), mail.mails, mailWords, time.Since(start))
	e.log.Info("run finished", "imported", imported, "already_imported", skipped, "accepted", accepted, "rejected", rejected,
		"tests_failed", len(res.Failed()), "reports", len(rep.Files), "mails", mail.mails, "took", time.Since(start))
	if mailErr != nil {
		return mailErr
	}
	if err := testFailures(res); err != nil {
		return err
	}
	if err := fileProblems(problems); err != nil {
		return err
	}
	if o.strict && rejected > 0 {
		return &dataError{fmt.Sprintf("%d rows rejected (--strict)", rejected)}
	}
	return nil
}

// fileProblems is the exit 3 of a night on which inbox files could not be
// imported or read to the end (each reported as it happened), or nil.
func fileProblems(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	return &dataError{fmt.Sprintf("%d inbox file(s) with problems (%s); the other files, the build, the reports and the e-mail are done", len(problems), strings.Join(problems, ", "))}
}

// printRunSummary writes the night in one line; mailWords, when set, says
// why no e-mail went out instead of "N mails sent".
func printRunSummary(w io.Writer, imported, skipped, accepted, rejected, passed, failed, reports, mails int, mailWords string, took time.Duration) {
	if mailWords == "" {
		mailWords = fmt.Sprintf("%d mails sent", mails)
	}
	fmt.Fprintf(w, "\nrun summary: %d files imported (%d already imported), %d rows accepted, %d rejected; data tests %d passed, %d failed; %d report files written; %s; %.1fs\n",
		imported, skipped, accepted, rejected, passed, failed, reports, mailWords, took.Seconds())
}
