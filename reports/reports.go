package reports

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Options configures Write.
type Options struct {
	// Out is the folder the reports are written into; it is created if missing.
	Out string
	// Now is the clock stamped on every page ("generated …"). Inject it so the same
	// marts give byte-identical files; the zero value means time.Now().
	Now time.Time
	// Currency is the ISO 4217 code used where a mart row carries none
	// (report.currency, whose default workspace/keys.go owns); required.
	Currency string
	// Progress, when set, is called once the number of files to write is
	// known (done 0) and after each file written.
	Progress func(done, total int)
	// Keep, when set, is asked before a report other than index.html is
	// written, with its file name and its Sum: true keeps the file in Out as
	// it is (the caller knows it holds that content), so a night rewrites
	// only the reports whose content changed. Nil writes every file.
	Keep func(name, sum string) bool
	// Unchanged, when set, is asked before a report other than index.html
	// is rendered, with its file name and its Inputs (a hash of everything
	// the report is rendered from: the mart rows and settings it shows, the
	// names of the files it links to, the program that renders it). ok true
	// says the file in Out was written from those inputs and has content
	// sum: it is neither rendered nor written, so a night renders only the
	// reports whose inputs changed. Nil renders every report.
	Unchanged func(name, inputs string) (sum string, ok bool)
}

// Result lists what Write wrote.
type Result struct {
	// Files holds the path of every file written (opt.Out joined with the file
	// name), sorted.
	Files []string
	// Kept holds the path of every file Options.Keep kept, sorted.
	Kept []string
	// Sums holds the Sum of every report file, written or kept, by name.
	Sums map[string]string
	// Inputs holds the Inputs (see Options.Unchanged) of every report
	// file but index.html, written or kept, by name.
	Inputs map[string]string
	// Rendered counts the reports rendered (the index included); the others
	// were kept unrendered by Options.Unchanged.
	Rendered int
}

// Sum names a report file's content apart from the time it was generated
// (the stamp Options.Now puts on every page): equal sums, equal reports.
func Sum(data []byte, now time.Time) string {
	h := sha256.Sum256(bytes.ReplaceAll(data, []byte(generatedStamp(now)), nil))
	return hex.EncodeToString(h[:])
}

// Write reads the marts from db (a DuckDB warehouse) and writes index.html,
// stream-<id>.html, experiment-<id>.html, merchant-<id>.html,
// merchant-<id>-reconciliation.csv and, when the warehouse has the creator
// statement marts, statement-<affiliate>.html into opt.Out.
//
// It reads stream_kpis, stream_baselines, stream_minute, drop_performance,
// coupon_reconciliation and, when that table exists, experiment_results (without
// it the experiment pages are left out). Ids that are not safe as file names are
// rewritten (see FileID). Each file is written to a temporary name and renamed,
// so a reader never sees half a report.
func Write(ctx context.Context, db *sql.DB, opt Options) (Result, error) {
	if opt.Out == "" {
		return Result{}, errors.New("reports: no output folder given")
	}
	if opt.Currency == "" {
		return Result{}, errors.New("reports: no currency given (report.currency; its default is in workspace/keys.go)")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	bundle, err := echartsBundle()
	if err != nil {
		return Result{}, err
	}
	// without Unchanged every page is rendered: every part is read now
	w, err := load(ctx, db, opt.Unchanged == nil)
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(opt.Out, 0o755); err != nil {
		return Result{}, fmt.Errorf("create report folder: %w", err)
	}
	if err := RemoveTemp(opt.Out); err != nil {
		return Result{}, err
	}
	r := newRenderer(opt, w, bundle)
	creators, err := r.loadCreators(ctx, db)
	if err != nil {
		return Result{}, err
	}
	// every report but the index, with what it is rendered from
	type job struct {
		name   string
		input  any
		render func() ([]byte, error)
		stream *stream // a stream page: rendered, it needs the stream's parts
	}
	var jobs []job
	for _, s := range w.streams {
		in := r.streamIn(s)
		jobs = append(jobs, job{r.files.stream(s.ID), in, func() ([]byte, error) {
			b, err := r.page().streamPage(in)
			if err != nil {
				return nil, fmt.Errorf("stream report %s: %w", s.ID, err)
			}
			return b, nil
		}, s})
	}
	for _, e := range w.experiments {
		in := r.experimentIn(e)
		jobs = append(jobs, job{r.files.experiment(e.ID), in, func() ([]byte, error) {
			b, err := r.page().experimentPage(in)
			if err != nil {
				return nil, fmt.Errorf("experiment report %s: %w", e.ID, err)
			}
			return b, nil
		}, nil})
	}
	for _, m := range w.merchants {
		in := r.merchantIn(m)
		jobs = append(jobs, job{r.files.merchant(m.ID), in, func() ([]byte, error) {
			b, err := r.page().merchantPage(in)
			if err != nil {
				return nil, fmt.Errorf("merchant report %s: %w", m.ID, err)
			}
			return b, nil
		}, nil})
		csv := csvInput{Rows: m.Rows}
		jobs = append(jobs, job{r.files.merchantCSV(m.ID), csv, func() ([]byte, error) {
			b, err := reconciliationCSV(csv.Rows)
			if err != nil {
				return nil, fmt.Errorf("merchant reconciliation %s: %w", m.ID, err)
			}
			return b, nil
		}, nil})
	}
	for _, c := range creators {
		in := r.statementIn(c)
		jobs = append(jobs, job{r.files.statement(c.Affiliate), in, func() ([]byte, error) {
			b, err := r.page().statementPage(in)
			if err != nil {
				return nil, fmt.Errorf("statement of %s: %w", c.Affiliate, err)
			}
			return b, nil
		}, nil})
	}
	// every input hashed before any page is rendered
	identity := renderIdentity(opt)
	h := newInputHasher()
	inputs := make([]string, len(jobs))
	for i, j := range jobs {
		inputs[i] = h.sum(identity, j.input)
	}

	// which pages are kept unrendered; the stream parts of the others
	var keep []bool
	var sums []string
	if opt.Unchanged != nil {
		keep, sums = make([]bool, len(jobs)), make([]string, len(jobs))
		ids := []string{}
		for i, j := range jobs {
			sums[i], keep[i] = opt.Unchanged(j.name, inputs[i])
			if s := j.stream; s != nil && !keep[i] {
				ids = append(ids, s.ID)
			}
		}
		if err := w.loadParts(ctx, db, ids); err != nil {
			return Result{}, err
		}
	}

	res := Result{Sums: map[string]string{}, Inputs: map[string]string{}}
	total := len(jobs) + 1
	progress := opt.Progress
	if progress == nil {
		progress = func(int, int) {}
	}
	progress(0, total)
	emit := func(name string, data []byte) error {
		path := filepath.Join(opt.Out, name)
		sum := Sum(data, opt.Now)
		if name != "index.html" && opt.Keep != nil && opt.Keep(name, sum) {
			res.Sums[name] = sum
			res.Kept = append(res.Kept, path)
			progress(len(res.Files)+len(res.Kept), total)
			return nil
		}
		if err := writeFileAtomic(path, data); err != nil {
			return err
		}
		res.Sums[name] = sum // only once written: a failed write is not recorded as done
		res.Files = append(res.Files, path)
		progress(len(res.Files)+len(res.Kept), total)
		return nil
	}
	for i, j := range jobs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if keep != nil && keep[i] {
			res.Sums[j.name], res.Inputs[j.name] = sums[i], inputs[i]
			res.Kept = append(res.Kept, filepath.Join(opt.Out, j.name))
			progress(len(res.Files)+len(res.Kept), total)
			continue
		}
		b, err := j.render()
		if err != nil {
			return res, err
		}
		res.Rendered++
		if err := emit(j.name, b); err != nil {
			return res, err
		}
		res.Inputs[j.name] = inputs[i]
	}
	b, err := r.indexPage()
	if err != nil {
		return res, fmt.Errorf("index report: %w", err)
	}
	res.Rendered++
	if err := emit("index.html", b); err != nil {
		return res, err
	}
	sort.Strings(res.Files)
	sort.Strings(res.Kept)
	return res, nil
}

// tempPrefix starts the name of a report being written; a file named so is
// never a finished report.
const tempPrefix = ".tmp-"

// writeFileAtomic writes a report under a temporary name in the same folder,
// syncs it and renames it into place: a reader sees the old file or the new
// one, never a part.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), tempPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write report %s: %w", path, werr)
	}
	return nil
}

// isTemp reports whether name is a report file being written (by
// writeFileAtomic), so that a user's own files in --out are never touched.
func isTemp(name string) bool {
	rest, ok := strings.CutPrefix(name, tempPrefix)
	if !ok {
		return false
	}
	for _, p := range []string{"index.html-", "stream-", "experiment-", "merchant-", "statement-"} {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	return false
}

// RemoveTemp removes the temporary files a killed writer left in dir. Write
// calls it first; a missing dir is not an error.
func RemoveTemp(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read report folder: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() && isTemp(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("remove an unfinished report: %w", err)
			}
		}
	}
	return nil
}
