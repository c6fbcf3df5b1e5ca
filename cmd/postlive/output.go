package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/postlive/postlive/escape"
)

// table is a query result as text, with each column's DuckDB type and,
// for a table read from DuckDB, the values themselves (values.go says how
// each type is written).
type table struct {
	cols  []string
	types []string
	rows  [][]string
	nulls [][]bool
	vals  [][]any // nil for a table composed in Go
}

func (t *table) numeric(i int) bool {
	ty := strings.ToUpper(t.types[i])
	for _, p := range []string{"DECIMAL", "DOUBLE", "FLOAT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER", "REAL"} {
		if strings.HasPrefix(ty, p) {
			return true
		}
	}
	return false
}

// queryTable runs a query with bound arguments and reads every row as text.
func queryTable(ctx context.Context, db *sql.DB, q string, args ...any) (*table, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, unsupportedHint(err)
	}
	defer rows.Close()
	t := &table{}
	t.cols, _ = rows.Columns()
	cts, _ := rows.ColumnTypes()
	for _, ct := range cts {
		t.types = append(t.types, ct.DatabaseTypeName())
	}
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(vals))
		null := make([]bool, len(vals))
		for i, v := range vals {
			s, ok := scalarText(v, t.types[i])
			row[i], null[i] = s, !ok
		}
		t.rows = append(t.rows, row)
		t.nulls = append(t.nulls, null)
		t.vals = append(t.vals, append([]any(nil), vals...))
	}
	if err := rows.Err(); err != nil {
		return nil, unsupportedHint(err)
	}
	return t, nil
}

// columns returns the named columns of t, in that order (names t lacks are
// left out).
func (t *table) columns(names ...string) *table {
	idx := make([]int, 0, len(names))
	for _, n := range names {
		for i, c := range t.cols {
			if c == n {
				idx = append(idx, i)
			}
		}
	}
	out := &table{}
	for _, i := range idx {
		out.cols = append(out.cols, t.cols[i])
		out.types = append(out.types, t.types[i])
	}
	for r := range t.rows {
		row := make([]string, len(idx))
		null := make([]bool, len(idx))
		var val []any
		if t.vals != nil {
			val = make([]any, len(idx))
		}
		for j, i := range idx {
			row[j], null[j] = t.rows[r][i], t.nulls[r][i]
			if val != nil {
				val[j] = t.vals[r][i]
			}
		}
		out.rows = append(out.rows, row)
		out.nulls = append(out.nulls, null)
		if val != nil {
			out.vals = append(out.vals, val)
		}
	}
	return out
}

// filter returns the rows of t for which keep, given the row by column name,
// is true.
func (t *table) filter(keep func(row map[string]string) bool) *table {
	out := &table{cols: t.cols, types: t.types}
	for r, row := range t.rows {
		m := make(map[string]string, len(t.cols))
		for i, c := range t.cols {
			m[c] = row[i]
		}
		if keep(m) {
			out.rows = append(out.rows, row)
			out.nulls = append(out.nulls, t.nulls[r])
			if t.vals != nil {
				out.vals = append(out.vals, t.vals[r])
			}
		}
	}
	return out
}

func writeTable(w io.Writer, t *table, format string) error {
	switch format {
	case "csv":
		return writeCSV(w, t)
	case "json":
		return writeJSON(w, t)
	case "table", "":
		return writeText(w, t)
	}
	return usagef("--format %q is not one of table, csv, json", format)
}

// unsupportedHint adds what to do to the driver's error for a type it
// cannot read (UNION, BIT).
func unsupportedHint(err error) error {
	if strings.Contains(err.Error(), "unsupported data type") {
		return fmt.Errorf("%w; cast the column to VARCHAR (col::VARCHAR) to read it", err)
	}
	return err
}

// writeText aligns columns; numbers right-aligned, NULL ratios as "—".
// Text from data is printed with its control characters escaped
// (escape.Terminal): a stream title cannot set the terminal's title, clear
// the screen or start a line of its own.
func writeText(w io.Writer, t *table) error {
	width := make([]int, len(t.cols))
	cell := func(r, c int) string {
		if t.nulls[r][c] {
			return "—"
		}
		return escape.Terminal(displayNumber(t.rows[r][c], t.types[c]))
	}
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = escape.Terminal(c)
		width[i] = utf8.RuneCountInString(cols[i])
	}
	for r := range t.rows {
		for c := range t.cols {
			if n := utf8.RuneCountInString(cell(r, c)); n > width[c] {
				width[c] = n
			}
		}
	}
	var b bytes.Buffer
	line := func(get func(c int) string) {
		for c := range t.cols {
			s := get(c)
			pad := strings.Repeat(" ", width[c]-utf8.RuneCountInString(s))
			if c > 0 {
				b.WriteString("  ")
			}
			if t.numeric(c) {
				b.WriteString(pad + s)
			} else if c == len(t.cols)-1 {
				b.WriteString(s)
			} else {
				b.WriteString(s + pad)
			}
		}
		b.WriteString("\n")
	}
	line(func(c int) string { return cols[c] })
	line(func(c int) string { return strings.Repeat("-", width[c]) })
	for r := range t.rows {
		line(func(c int) string { return cell(r, c) })
	}
	fmt.Fprintf(&b, "(%d rows)\n", len(t.rows))
	_, err := w.Write(b.Bytes())
	return err
}

// displayNumber shortens doubles for the terminal (4 significant decimals).
func displayNumber(s, ty string) string {
	if strings.HasPrefix(strings.ToUpper(ty), "DOUBLE") && s != "" {
		var f float64
		if _, err := fmt.Sscan(s, &f); err == nil {
			return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", f), "0"), ".")
		}
	}
	return s
}

func writeCSV(w io.Writer, t *table) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(t.cols))
	for i, c := range t.cols {
		header[i] = escape.CSV(c)
	}
	cw.Write(header)
	rec := make([]string, len(t.cols))
	for _, row := range t.rows {
		for c, v := range row {
			if t.numeric(c) {
				rec[c] = v
			} else {
				rec[c] = escape.CSV(v)
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON writes an array of objects keyed by column name, in column
// order, as RFC 8259 JSON (values.go: decimals exact, NaN and ±Inf null,
// lists, structs and maps as arrays and objects).
func writeJSON(w io.Writer, t *table) error {
	var b bytes.Buffer
	b.WriteString("[")
	for r, row := range t.rows {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for c, v := range row {
			if c > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(t.cols[c])
			b.Write(k)
			b.WriteString(": ")
			ty := strings.ToUpper(t.types[c])
			switch {
			case t.vals != nil:
				appendJSON(&b, t.vals[r][c], t.types[c])
			case t.nulls[r][c]:
				b.WriteString("null")
			case t.numeric(c):
				b.WriteString(v)
			case ty == "BOOLEAN":
				b.WriteString(v)
			default:
				s, _ := json.Marshal(v)
				b.Write(s)
			}
		}
		b.WriteString("}")
	}
	if len(t.rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := w.Write(b.Bytes())
	return err
}

// escapeLines escapes control characters in each line of a text built
// from data (escape.Terminal), keeping its line breaks.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = escape.Terminal(l)
	}
	return strings.Join(lines, "\n")
}

// plural writes n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
