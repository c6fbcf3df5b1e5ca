// Command native runs DuckDB's own paths on the same data as postlive, for
// bench/run.sh: `native copy CSV OUT.parquet` converts a CSV with DuckDB's
// read_csv + COPY … (FORMAT parquet); `native build WORKSPACE` runs the SQL
// models of sql/ in plain DuckDB into a database file (same order and the
// same Go functions, none of postlive's bookkeeping: no data tests, row
// counts, fingerprints, build reuse, Parquet export or atomic replace). It
// prints rows and seconds.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
	"github.com/postlive/postlive/workspace"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "native:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: native copy CSV OUT.parquet | native build WORKSPACE")
	}
	ctx := context.Background()
	switch args[0] {
	case "copy":
		db, err := sql.Open("duckdb", "")
		if err != nil {
			return err
		}
		defer db.Close()
		start := time.Now()
		q := fmt.Sprintf("copy (from read_csv('%s')) to '%s' (format parquet)", esc(args[1]), esc(args[2]))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
		secs := time.Since(start).Seconds()
		var n int64
		if err := db.QueryRowContext(ctx, fmt.Sprintf("select count(*) from read_parquet('%s')", esc(args[2]))).Scan(&n); err != nil {
			return err
		}
		fmt.Printf("rows=%d seconds=%.3f\n", n, secs)
	case "build":
		ws := args[1]
		ms, _, err := models.Load(sqlfiles.FS)
		if err != nil {
			return err
		}
		// a database file, as postlive's build writes one (a build that
		// leaves nothing behind would not be the same job)
		path := filepath.Join(os.TempDir(), fmt.Sprintf("native-build-%d.duckdb", os.Getpid()))
		defer os.Remove(path)
		db, err := sql.Open("duckdb", path)
		if err != nil {
			return err
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		start := time.Now()
		if _, err := db.ExecContext(ctx, "set file_search_path = '"+esc(ws)+"'"); err != nil {
			return err
		}
		// the Go functions some models call (statistics, local time, phrase
		// matching): without them those models run in no DuckDB at all
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		if err := models.RegisterFunctions(conn); err != nil {
			return err
		}
		conn.Close()
		// the settings tables postlive's build writes, with its defaults
		if err := models.WriteSettings(ctx, db, workspace.Defaults().ModelSettings()); err != nil {
			return err
		}
		for _, m := range ms {
			kind := "view"
			if m.Materialized() {
				kind = "table"
			}
			s := fmt.Sprintf("create %s %s as %s", kind, m.Name, strings.TrimRight(strings.TrimSpace(m.SQL), ";"))
			if _, err := db.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", m.Path, err)
			}
		}
		if _, err := db.ExecContext(ctx, "checkpoint"); err != nil {
			return err
		}
		fmt.Printf("models=%d seconds=%.3f\n", len(ms), time.Since(start).Seconds())
	default:
		return fmt.Errorf("unknown mode %q", args[0])
	}
	return nil
}

func esc(s string) string { return strings.ReplaceAll(s, "'", "''") }
