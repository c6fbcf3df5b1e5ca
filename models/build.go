package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/lake"
)

// Options say where the workspace is and how to run DuckDB.
type Options struct {
	Workspace   string // lake paths in the SQL are relative to it
	Warehouse   string // the DuckDB file the build replaces
	SQL         fs.FS  // the sql/ folder (sqlfiles.FS)
	Settings    Settings
	Threads     int
	MemoryLimit string
	NoReuse     bool // compute every model, even those whose inputs did not change since the previous build
	// Log receives one debug record per model, data test and exported mart
	// with its duration; nil logs nothing.
	Log *slog.Logger
	// Progress, when set, is called as each step starts — every model, the
	// data tests, the export of the marts — with how many steps are done of
	// total (cmd/postlive draws it on a terminal).
	Progress func(step string, done, total int)
}

// TestResult is the outcome of one data test.
type TestResult struct {
	Name     string
	Path     string
	Took     time.Duration
	Failures int64
	Columns  []string
	Sample   [][]string // first offending rows, as text
}

// Result is what a build did.
type Result struct {
	Models []*Model
	Tests  []TestResult
	Marts  map[string]int64 // rows per mart
	Reused []string         // materialised models copied from the previous build: their inputs had not changed
	// Extended are the models computed from the previous build's table and
	// the new rows only (models/incremental.go), not over all history.
	Extended []string
	Took     map[string]time.Duration // per model: how long creating it took
	// Memo counts the experiment comparisons (models/memo.go).
	Memo MemoStats
}

// MemoStats counts a build's distinct experiment comparisons and how many
// of them the previous build's results answered.
type MemoStats struct {
	Calls    int // distinct comparisons the build asked for
	Answered int // answered from the previous build's build_memo
}

// Failed returns the failed data tests.
func (r *Result) Failed() []TestResult {
	var out []TestResult
	for _, t := range r.Tests {
		if t.Failures > 0 {
			out = append(out, t)
		}
	}
	return out
}

// Open opens a DuckDB database (path "" = in memory) with the workspace as
// the base of relative file paths and postlive's SQL functions registered.
// The returned DB uses a single connection.
func Open(ctx context.Context, path, workspace string, threads int, memoryLimit string, readOnly bool) (*sql.DB, error) {
	return open(ctx, path, workspace, threads, memoryLimit, readOnly, nil)
}

// open is Open with experiment_compare answering from m (a build's memo).
func open(ctx context.Context, path, workspace string, threads int, memoryLimit string, readOnly bool, m *memo) (*sql.DB, error) {
	dsn := path
	if readOnly {
		dsn += "?access_mode=read_only"
	}
	connector, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		stmts := []string{}
		if workspace != "" {
			stmts = append(stmts, "set file_search_path = '"+strings.ReplaceAll(workspace, "'", "''")+"'")
		}
		if threads > 0 {
			stmts = append(stmts, fmt.Sprintf("set threads = %d", threads))
		}
		if memoryLimit != "" {
			stmts = append(stmts, "set memory_limit = '"+strings.ReplaceAll(memoryLimit, "'", "''")+"'")
		}
		for _, s := range stmts {
			if _, err := ex.ExecContext(ctx, s, nil); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	defer conn.Close()
	if err := registerFunctions(conn, m); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Build runs every model into a new DuckDB file, runs the data tests,
// exports the marts to lake/marts/*.parquet and only then replaces the
// warehouse, so a reader never sees a half-built warehouse. Failed data tests
// are reported in the result (the caller decides the exit status); a broken
// model is an error naming its file.
func Build(ctx context.Context, opt Options) (*Result, error) {
	models, tests, err := Load(opt.SQL)
	if err != nil {
		return nil, err
	}
	settings, err := settingsTables(opt.Settings)
	if err != nil {
		return nil, err
	}
	fps, err := fingerprints(models, lake.In(opt.Workspace), settings)
	if err != nil {
		return nil, err
	}
	clicks, err := clickState(models, lake.In(opt.Workspace), settings)
	if err != nil {
		return nil, err
	}
	if err := RemoveInterrupted(opt.Warehouse); err != nil {
		return nil, err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", opt.Warehouse, os.Getpid())
	memo, err := newMemo()
	if err != nil {
		return nil, err
	}
	db, err := open(ctx, tmp, opt.Workspace, opt.Threads, opt.MemoryLimit, false, memo)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			db.Close()
			os.Remove(tmp)
			os.Remove(tmp + ".wal")
		}
	}()
	if err := writeSettings(ctx, db, settings); err != nil {
		return nil, err
	}
	var prev map[string]string
	if !opt.NoReuse {
		prev = previousBuild(ctx, db, opt.Warehouse)
		if prev != nil {
			memo.load(ctx, db, "prev."+memoTable)
		}
	}

	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := &Result{Models: models, Marts: map[string]int64{}, Took: map[string]time.Duration{}}
	progress := opt.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	steps := len(models) + 2 // the models, the data tests, the export
	for i, m := range models {
		progress(m.Name, i, steps)
		start := time.Now()
		kind := "view"
		if m.Materialized() {
			kind = "table"
		}
		reused := false
		if m.Materialized() && prev[m.Name] == fps[m.Name] {
			// same inputs as in the previous build: copy its table
			_, err := db.ExecContext(ctx, fmt.Sprintf("create table %s as select * from prev.%s", m.Name, m.Name))
			reused = err == nil
		}
		extended := false
		if !reused && prev != nil && clickDeltaModels[m.Name] && !clicks.planned {
			// after the staging views, which the plan reads
			clicks.plan(ctx, db)
		}
		if !reused && clicks.ok && clickDeltaModels[m.Name] {
			// new clicks (or streams, links): extend the previous table
			if err := clicks.build(ctx, db, m); err != nil {
				log.Debug("model not extended; computed in full", "model", m.Name, "error", cleanDuckDBError(err))
			} else {
				extended = true
				res.Extended = append(res.Extended, m.Name)
			}
		}
		if reused {
			res.Reused = append(res.Reused, m.Name)
		} else if !extended {
			stmt := fmt.Sprintf("create or replace %s %s as\n%s", kind, m.Name, strings.TrimRight(strings.TrimSpace(m.SQL), ";"))
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return nil, fmt.Errorf("%s: %s", m.Path, cleanDuckDBError(err))
			}
		}
		attrs := []any{"model", m.Name, "layer", m.Layer, "reused", reused, "extended", extended}
		if m.Layer == "marts" {
			var n int64
			if err := db.QueryRowContext(ctx, "select count(*) from "+m.Name).Scan(&n); err != nil {
				return nil, fmt.Errorf("%s: %w", m.Path, err)
			}
			res.Marts[m.Name] = n
			attrs = append(attrs, "rows", n)
		}
		res.Took[m.Name] = time.Since(start)
		log.Debug("model built", append(attrs, "took", res.Took[m.Name])...)
	}
	if prev != nil {
		clicks.cleanup(ctx, db)
		if _, err := db.ExecContext(ctx, "detach prev"); err != nil {
			return nil, fmt.Errorf("detach previous warehouse: %w", err)
		}
	}
	if err := writeFingerprints(ctx, db, fps); err != nil {
		return nil, err
	}
	if err := memo.save(ctx, db); err != nil {
		return nil, err
	}
	hits, used := memo.stats()
	res.Memo = MemoStats{Answered: hits, Calls: used}
	log.Debug("experiment comparisons", "answered_from_previous_build", hits, "distinct", used)
	if err := clicks.write(ctx, db); err != nil {
		return nil, err
	}
	progress("data tests", len(models), steps)
	for _, t := range tests {
		start := time.Now()
		tr, err := runTest(ctx, db, t)
		if err != nil {
			return nil, err
		}
		tr.Took = time.Since(start)
		log.Debug("data test run", "test", t.Name, "failures", tr.Failures, "took", tr.Took)
		res.Tests = append(res.Tests, tr)
	}
	progress("export marts", len(models)+1, steps)
	start := time.Now()
	if err := exportMarts(ctx, db, opt.Workspace, models); err != nil {
		return nil, err
	}
	log.Debug("marts exported", "dir", filepath.Join(opt.Workspace, "lake", "marts"), "marts", len(res.Marts), "took", time.Since(start))
	if _, err := db.ExecContext(ctx, "checkpoint"); err != nil {
		return nil, fmt.Errorf("checkpoint warehouse: %w", err)
	}
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("close warehouse: %w", err)
	}
	ok = true
	os.Remove(tmp + ".wal")
	os.Remove(opt.Warehouse + ".wal")
	if err := lake.Publish(tmp, opt.Warehouse); err != nil {
		return nil, fmt.Errorf("replace warehouse: %w", err)
	}
	return res, nil
}

// PhrasePattern is the RE2 pattern that finds a disclosure phrase in a
// message, ignoring case: as a whole word where the phrase begins or ends
// with a letter or digit ("ad" does not match "add"; "#ad" matches "#ad," and
// "deal#ad" but not "#adorable"), spaces in the phrase matching any run of
// white space.
func PhrasePattern(phrase string) string {
	words := strings.Fields(phrase)
	if len(words) == 0 {
		return `(?i)$^`
	}
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	first, _ := utf8.DecodeRuneInString(phrase[len(phrase)-len(strings.TrimLeftFunc(phrase, unicode.IsSpace)):])
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRightFunc(phrase, unicode.IsSpace))
	p := `(?i)`
	if isWord(first) {
		p += `(^|[^\pL\pN_])`
	}
	p += strings.Join(words, `\s+`)
	if isWord(last) {
		p += `($|[^\pL\pN_])`
	}
	return p
}

// runTest counts the rows a data test returns and keeps the first five.
func runTest(ctx context.Context, db *sql.DB, t *Model) (TestResult, error) {
	q := strings.TrimRight(strings.TrimSpace(t.SQL), ";")
	tr := TestResult{Name: t.Name, Path: t.Path}
	if err := db.QueryRowContext(ctx, "select count(*) from (\n"+q+"\n)").Scan(&tr.Failures); err != nil {
		return tr, fmt.Errorf("%s: %s", t.Path, cleanDuckDBError(err))
	}
	if tr.Failures == 0 {
		return tr, nil
	}
	rows, err := db.QueryContext(ctx, "select * from (\n"+q+"\n) limit 5")
	if err != nil {
		return tr, fmt.Errorf("%s: %w", t.Path, err)
	}
	defer rows.Close()
	tr.Columns, _ = rows.Columns()
	for rows.Next() {
		vals := make([]any, len(tr.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return tr, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = FormatValue(v)
		}
		tr.Sample = append(tr.Sample, row)
	}
	return tr, rows.Err()
}

// exportMarts writes each mart to lake/marts/<name>.parquet: DuckDB
// exports it to the hidden temporary name of that file, which is renamed
// into place when complete (lake.Publish); what an interrupted export left
// is removed first.
func exportMarts(ctx context.Context, db *sql.DB, workspace string, models []*Model) error {
	l := lake.In(workspace)
	dir := l.TableDir(lake.Marts)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := l.RemoveTemp(lake.Marts); err != nil {
		return err
	}
	var names []string
	for _, m := range models {
		if m.Layer == "marts" {
			names = append(names, m.Name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		final := l.MartFile(n)
		tmp := lake.TempName(final)
		// in a total order (every column, left to right): a mart's rows
		// come out of parallel joins and windows in any order, and its
		// file must have the same bytes for the same data
		q := fmt.Sprintf("copy (select * from %s order by all) to '%s' (format parquet, compression snappy)", n, strings.ReplaceAll(tmp, "'", "''"))
		if _, err := db.ExecContext(ctx, q); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("export mart %s to %s: %s", n, final, cleanDuckDBError(err))
		}
		if err := lake.Publish(tmp, final); err != nil {
			return fmt.Errorf("export mart %s: %w", n, err)
		}
	}
	return nil
}

// RemoveInterrupted removes what a killed build left next to the warehouse:
// its new DuckDB file (<warehouse>.tmp-<pid>) with DuckDB's .wal and spill
// folder. The caller makes sure no build is running (the workspace lock).
func RemoveInterrupted(warehouse string) error {
	dir, prefix := filepath.Dir(warehouse), filepath.Base(warehouse)+".tmp-"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			p := filepath.Join(dir, e.Name())
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("remove %s left by an interrupted build: %w", p, err)
			}
		}
	}
	return nil
}

// cleanDuckDBError trims the driver's prefix so the message starts with
// DuckDB's own error kind ("Binder Error: …").
func cleanDuckDBError(err error) string {
	var de *duckdb.Error
	msg := err.Error()
	if errors.As(err, &de) {
		msg = de.Msg
	}
	return strings.TrimSpace(msg)
}
