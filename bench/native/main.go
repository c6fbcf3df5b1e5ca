// Command native runs DuckDB's own paths on the same data as postlive, for
// bench/run.sh: `native copy CSV OUT.parquet` converts a CSV with DuckDB's
// read_csv + COPY … (FORMAT parquet); `native build WORKSPACE` runs the SQL
// models of sql/ in plain DuckDB (same order, no postlive bookkeeping: no
// UDF registration, data tests, temp file, export). It prints rows and seconds.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
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
		db, err := sql.Open("duckdb", "")
		if err != nil {
			return err
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		start := time.Now()
		if _, err := db.ExecContext(ctx, "set file_search_path = '"+esc(ws)+"'"); err != nil {
			return err
		}
		// the settings tables postlive's build writes, with its defaults
		if err := models.WriteSettings(ctx, db, models.Settings{AttributionWindow: 48 * time.Hour, DuplicateWindow: 30 * time.Second, Currency: "USD"}); err != nil {
			return err
		}
		var stmts []string
		skipped := map[string]bool{}
		for _, m := range ms {
			// models that call postlive's Go functions (statistics, local
			// time), and those built on them, are not part of the plain-DuckDB
			// comparison; bench/run.sh builds the same set without them
			needsGo := strings.Contains(m.SQL, "ratio_") || strings.Contains(m.SQL, "local_") || strings.Contains(m.SQL, "srm_p") || strings.Contains(m.SQL, "p_adjust") || strings.Contains(m.SQL, "phrase_match")
			for _, d := range m.Deps {
				needsGo = needsGo || skipped[d]
			}
			if needsGo {
				skipped[m.Name] = true
				continue
			}
			kind := "view"
			if m.Materialized() {
				kind = "table"
			}
			stmts = append(stmts, fmt.Sprintf("create %s %s as %s", kind, m.Name, strings.TrimRight(strings.TrimSpace(m.SQL), ";")))
		}
		for _, s := range stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%.60s…: %w", s, err)
			}
		}
		fmt.Printf("models=%d seconds=%.3f\n", len(stmts), time.Since(start).Seconds())
	default:
		return fmt.Errorf("unknown mode %q", args[0])
	}
	return nil
}

func esc(s string) string { return strings.ReplaceAll(s, "'", "''") }
