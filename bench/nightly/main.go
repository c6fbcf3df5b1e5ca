// Command nightly serves bench/run.sh's nightly-increment measurement:
//
//	nightly split DATA HISTORY NIGHT   split the exports `postlive fixtures`
//	                                   wrote into DATA at the start (00:00 UTC)
//	                                   of the day the last stream started: rows
//	                                   before it go to HISTORY, the rest to
//	                                   NIGHT (same file names)
//	nightly equal MARTS_A MARTS_B      compare every mart Parquet file of two
//	                                   lake/marts folders row for row (EXCEPT
//	                                   ALL both ways; doubles rounded to 9
//	                                   decimals); exit 1 naming the marts
//	                                   that differ
//
// A row's time is its table's time column (streams started_at, drops
// starts_at, stream_metrics and clicks ts, Shopify orders Created at, Meta
// spend Reporting starts; a Shopify line-item row without Created at goes
// with its order's first row); links go with their stream.
package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "github.com/marcboeker/go-duckdb"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nightly:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 4 && args[0] == "split":
		return split(args[1], args[2], args[3])
	case len(args) == 3 && args[0] == "equal":
		return equal(args[1], args[2])
	}
	return fmt.Errorf("usage: nightly split DATA HISTORY NIGHT | nightly equal MARTS_A MARTS_B")
}

// timeColumns names the column that dates a row, per file name prefix.
var timeColumns = []struct{ prefix, column string }{
	{"streams", "started_at"}, {"drops", "starts_at"}, {"stream_metrics", "ts"},
	{"clicks", "ts"}, {"orders-", "Created at"}, {"spend-", "Reporting starts"},
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05 -0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("no time in %q", s)
}

type table struct {
	header []string
	rows   [][]string
}

func readCSV(path string) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return &table{header: recs[0], rows: recs[1:]}, nil
}

func (t *table) col(name string) int {
	for i, h := range t.header {
		if h == name {
			return i
		}
	}
	return -1
}

func writeCSV(path string, header []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func split(data, hist, night string) error {
	streams, err := readCSV(filepath.Join(data, "streams.csv"))
	if err != nil {
		return err
	}
	var last time.Time
	tc := streams.col("started_at")
	for _, r := range streams.rows {
		if t, err := parseTime(r[tc]); err == nil && t.After(last) {
			last = t
		}
	}
	cut := last.UTC().Truncate(24 * time.Hour)
	for _, d := range []string{hist, night} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(data)
	if err != nil {
		return err
	}
	nightStreams := map[string]bool{}
	var links string
	counts := map[string][2]int{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".csv") {
			continue
		}
		if name == "links.csv" {
			links = name
			continue
		}
		column := ""
		for _, c := range timeColumns {
			if strings.HasPrefix(name, c.prefix) {
				column = c.column
			}
		}
		if name == "stream_metrics.csv" {
			column = "ts"
		}
		if column == "" {
			continue
		}
		t, err := readCSV(filepath.Join(data, name))
		if err != nil {
			return err
		}
		ci := t.col(column)
		if ci < 0 {
			return fmt.Errorf("%s: no column %q", name, column)
		}
		var before, after [][]string
		isNight := false
		for i, r := range t.rows {
			if ci < len(r) && r[ci] != "" {
				ts, err := parseTime(r[ci])
				if err != nil {
					return fmt.Errorf("%s line %d: %w", name, i+2, err)
				}
				isNight = !ts.Before(cut)
			}
			if isNight {
				after = append(after, r)
				if name == "streams.csv" {
					nightStreams[r[t.col("stream_id")]] = true
				}
			} else {
				before = append(before, r)
			}
		}
		if err := writeCSV(filepath.Join(hist, name), t.header, before); err != nil {
			return err
		}
		if err := writeCSV(filepath.Join(night, name), t.header, after); err != nil {
			return err
		}
		counts[name] = [2]int{len(before), len(after)}
	}
	if links != "" {
		t, err := readCSV(filepath.Join(data, links))
		if err != nil {
			return err
		}
		si := t.col("stream_id")
		var before, after [][]string
		for _, r := range t.rows {
			if nightStreams[r[si]] {
				after = append(after, r)
			} else {
				before = append(before, r)
			}
		}
		if err := writeCSV(filepath.Join(hist, links), t.header, before); err != nil {
			return err
		}
		if err := writeCSV(filepath.Join(night, links), t.header, after); err != nil {
			return err
		}
		counts[links] = [2]int{len(before), len(after)}
	}
	names := make([]string, 0, len(counts))
	total := 0
	for n, c := range counts {
		names = append(names, n)
		total += c[1]
	}
	sort.Strings(names)
	fmt.Printf("split at %s\n", cut.Format(time.RFC3339))
	for _, n := range names {
		fmt.Printf("  %-32s %10d history %8d night\n", n, counts[n][0], counts[n][1])
	}
	fmt.Printf("night rows: %d\n", total)
	return nil
}

func equal(a, b string) error {
	files, err := filepath.Glob(filepath.Join(a, "*.parquet"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no marts in %s", a)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	var differ []string
	for _, fa := range files {
		fb := filepath.Join(b, filepath.Base(fa))
		if _, err := os.Stat(fb); err != nil {
			differ = append(differ, filepath.Base(fa)+" (missing)")
			continue
		}
		cols, err := comparable(ctx, db, fa)
		if err != nil {
			return err
		}
		var n int64
		q := fmt.Sprintf(`select (select count(*) from (select %[3]s from read_parquet('%[1]s') except all select %[3]s from read_parquet('%[2]s')))
			+ (select count(*) from (select %[3]s from read_parquet('%[2]s') except all select %[3]s from read_parquet('%[1]s')))`, esc(fa), esc(fb), cols)
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			differ = append(differ, fmt.Sprintf("%s (%d rows)", filepath.Base(fa), n))
		}
	}
	if len(differ) > 0 {
		return fmt.Errorf("marts differ: %s", strings.Join(differ, ", "))
	}
	fmt.Printf("marts equal: %d marts, row for row\n", len(files))
	return nil
}

// comparable lists a mart file's columns for comparing, floating-point
// ones rounded to 9 decimals: DuckDB sums doubles in parallel, in no fixed
// order, so two builds of the same data may differ in the last bits.
func comparable(ctx context.Context, db *sql.DB, file string) (string, error) {
	rows, err := db.QueryContext(ctx, fmt.Sprintf("select column_name, column_type from (describe select * from read_parquet('%s'))", esc(file)))
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return "", err
		}
		c := `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
		if typ == "DOUBLE" || typ == "FLOAT" {
			c = "round(" + c + ", 9)"
		}
		cols = append(cols, c)
	}
	return strings.Join(cols, ", "), rows.Err()
}

func esc(s string) string { return strings.ReplaceAll(s, "'", "''") }
