package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// A build works in a copy of the warehouse it replaces: the file is copied
// to <warehouse>.tmp-<pid> (a reflink where the file system has them, else
// a plain copy), every materialised model whose fingerprint did not change
// stays where it is, what changed is computed in place, and objects that are
// no longer models are dropped. The copy is then checkpointed and renamed
// over the warehouse, as a build from scratch is: a reader never sees a
// half-built warehouse and a crash leaves the previous one intact.
//
// Besides the fingerprints (build_fingerprints) and the click bookkeeping
// (models/incremental.go) the warehouse keeps what the next build needs to
// skip work that cannot have changed:
//
//   - build_tests: each data test's last result (failures, columns, the
//     first offending rows); a test runs again only when its fingerprint
//     (its SQL, the settings it names, the models it reads) changed, so a
//     failed test stays reported until what it reads changes;
//   - build_marts: each mart's fingerprint when it was exported, with the
//     size and modification time of its Parquet file; a mart is exported
//     again only when it changed or its file is missing or was changed by
//     hand.

const (
	testsTable = "build_tests"
	martsTable = "build_marts"
)

// bookkeepingTables are the warehouse's own tables (not models).
var bookkeepingTables = []string{fingerprintTable, clickDeltaTable, testsTable, martsTable, clickStreamsTable, clickLinksTable, memoTable}

// previous is what a build finds in the copy of the warehouse it replaces.
type previous struct {
	fps     map[string]string     // model (or testKey) → fingerprint
	objects map[string]string     // name → "BASE TABLE" or "VIEW", in the main schema
	tests   map[string]TestResult // by test name
	marts   map[string]martFile   // by mart name
}

// martFile is a mart's exported Parquet file as the last build left it.
type martFile struct {
	fingerprint string
	size, mtime int64
}

// copyWarehouse copies the warehouse to dst for a build to work in: a
// reflink (FICLONE) where the file system shares blocks, else a plain copy.
// A warehouse with a write-ahead log next to it (a process died while
// writing it outside a build) is not copied: the build starts afresh.
func copyWarehouse(src, dst string) error {
	if _, err := os.Stat(src + ".wal"); err == nil {
		return fmt.Errorf("%s.wal exists", src)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if err := unix.IoctlFileClone(int(out.Fd()), int(in.Fd())); err != nil {
		if _, err = io.Copy(out, in); err != nil {
			out.Close()
			os.Remove(dst)
			return err
		}
	}
	if err := out.Close(); err != nil {
		os.Remove(dst)
		return err
	}
	return nil
}

// readPrevious reads the bookkeeping of the copied warehouse; an error
// (a file too old to have it, or no DuckDB file at all) means the build
// starts from an empty file.
func readPrevious(ctx context.Context, db *sql.DB) (*previous, error) {
	p := &previous{fps: map[string]string{}, objects: map[string]string{}, tests: map[string]TestResult{}, marts: map[string]martFile{}}
	rows, err := queryStrings(ctx, db, "select model, fingerprint from main."+fingerprintTable)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		m, fp, _ := strings.Cut(r, "\t")
		p.fps[m] = fp
	}
	rows, err = queryStrings(ctx, db, `select table_name, table_type from information_schema.tables
		where table_catalog = current_database() and table_schema = 'main'`)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		name, kind, _ := strings.Cut(r, "\t")
		p.objects[name] = kind
	}
	if p.objects[testsTable] != "" {
		rows, err := queryStrings(ctx, db, "select name, failures, columns, sample from "+testsTable)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			f := strings.Split(r, "\t")
			if len(f) != 4 {
				return nil, fmt.Errorf("%s: a row of %d columns", testsTable, len(f))
			}
			tr := TestResult{Name: f[0]}
			if _, err := fmt.Sscan(f[1], &tr.Failures); err != nil {
				return nil, fmt.Errorf("%s: %w", testsTable, err)
			}
			if err := json.Unmarshal([]byte(f[2]), &tr.Columns); err != nil {
				return nil, fmt.Errorf("%s: %w", testsTable, err)
			}
			if err := json.Unmarshal([]byte(f[3]), &tr.Sample); err != nil {
				return nil, fmt.Errorf("%s: %w", testsTable, err)
			}
			p.tests[tr.Name] = tr
		}
	}
	if p.objects[martsTable] != "" {
		rows, err := queryStrings(ctx, db, "select name, fingerprint, size, mtime from "+martsTable)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			f := strings.Split(r, "\t")
			var mf martFile
			if len(f) != 4 {
				return nil, fmt.Errorf("%s: a row of %d columns", martsTable, len(f))
			}
			mf.fingerprint = f[1]
			if _, err := fmt.Sscan(f[2], &mf.size); err != nil {
				return nil, fmt.Errorf("%s: %w", martsTable, err)
			}
			if _, err := fmt.Sscan(f[3], &mf.mtime); err != nil {
				return nil, fmt.Errorf("%s: %w", martsTable, err)
			}
			p.marts[f[0]] = mf
		}
	}
	return p, nil
}

// kept reports whether the previous build's table of m can stay: m is
// materialised, its fingerprint did not change and the table is there.
func (p *previous) kept(m *Model, fp string) bool {
	return p != nil && m.Materialized() && p.fps[m.Name] == fp && p.objects[m.Name] == "BASE TABLE"
}

// prepareFor drops an object of m's name that is of the other kind (a view
// that became a table, or the reverse): create or replace does not change
// an object's kind.
func (p *previous) prepareFor(ctx context.Context, db *sql.DB, m *Model) error {
	if p == nil {
		return nil
	}
	kind, want := p.objects[m.Name], "VIEW"
	if m.Materialized() {
		want = "BASE TABLE"
	}
	if kind == "" || kind == want {
		return nil
	}
	drop := "drop table "
	if kind == "VIEW" {
		drop = "drop view "
	}
	if _, err := db.ExecContext(ctx, drop+m.Name); err != nil {
		return fmt.Errorf("%s: drop the previous %s: %s", m.Path, strings.ToLower(kind), cleanDuckDBError(err))
	}
	p.objects[m.Name] = ""
	return nil
}

// dropStale drops the previous build's tables and views that are neither a
// model, a settings table nor the warehouse's bookkeeping (a model whose
// file was removed or renamed).
func (p *previous) dropStale(ctx context.Context, db *sql.DB, models []*Model, settings []settingsTable) error {
	if p == nil {
		return nil
	}
	keep := map[string]bool{}
	for _, m := range models {
		keep[m.Name] = true
	}
	for _, t := range settings {
		keep[t.name] = true
	}
	for _, t := range bookkeepingTables {
		keep[t] = true
	}
	for name, kind := range p.objects {
		if keep[name] || kind == "" {
			continue
		}
		drop := "drop table if exists "
		if kind == "VIEW" {
			drop = "drop view if exists "
		}
		if _, err := db.ExecContext(ctx, drop+quoteIdent(name)); err != nil {
			return fmt.Errorf("drop %s, no longer a model: %s", name, cleanDuckDBError(err))
		}
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// writeTests records each data test's result for the next build.
func writeTests(ctx context.Context, db *sql.DB, results []TestResult) error {
	if _, err := db.ExecContext(ctx, "create or replace table "+testsTable+
		" (name varchar primary key, failures bigint not null, columns varchar not null, sample varchar not null)"); err != nil {
		return fmt.Errorf("write %s: %w", testsTable, err)
	}
	for _, tr := range results {
		cols, err := json.Marshal(nonNil(tr.Columns))
		if err != nil {
			return err
		}
		sample := tr.Sample
		if sample == nil {
			sample = [][]string{}
		}
		rows, err := json.Marshal(sample)
		if err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, "insert into "+testsTable+" values (?, ?, ?, ?)", tr.Name, tr.Failures, string(cols), string(rows)); err != nil {
			return fmt.Errorf("write %s: %w", testsTable, err)
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeMarts records each mart's fingerprint with its exported file.
func writeMarts(ctx context.Context, db *sql.DB, files map[string]martFile) error {
	if _, err := db.ExecContext(ctx, "create or replace table "+martsTable+
		" (name varchar primary key, fingerprint varchar not null, size bigint not null, mtime bigint not null)"); err != nil {
		return fmt.Errorf("write %s: %w", martsTable, err)
	}
	for name, f := range files {
		if _, err := db.ExecContext(ctx, "insert into "+martsTable+" values (?, ?, ?, ?)", name, f.fingerprint, f.size, f.mtime); err != nil {
			return fmt.Errorf("write %s: %w", martsTable, err)
		}
	}
	return nil
}

// statMart names a mart's exported file by size and modification time.
func statMart(path, fingerprint string) (martFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return martFile{}, err
	}
	return martFile{fingerprint: fingerprint, size: fi.Size(), mtime: fi.ModTime().UnixNano()}, nil
}
