package main

import (
	"fmt"
	"strings"

	"github.com/postlive/postlive/ingest"
)

// formatRow is one line of the formats table that `import --help`,
// `probe --help` and docs/formats.md § Formats by kind all show, made from
// ingest's format registry (TestFormatsDocAgrees keeps the doc in step).
type formatRow struct{ kind, name, layout, doc string }

func formatRows() []formatRow {
	var rows []formatRow
	at := map[string]int{}
	for _, f := range ingest.Formats() {
		layout := "CSV"
		switch {
		case f.JSONL:
			layout = "JSONL"
		case f.Sniff != nil && strings.Contains(f.Doc, "JSON"):
			layout = "JSON"
		case f.Sniff != nil:
			layout = "log lines"
		}
		key := f.Kind + "/" + f.Name
		if i, ok := at[key]; ok { // the same format reading CSV and JSONL
			if !strings.Contains(rows[i].layout, layout) {
				parts := append(strings.Split(rows[i].layout, ", "), layout)
				if parts[0] > parts[1] {
					parts[0], parts[1] = parts[1], parts[0]
				}
				rows[i].layout = strings.Join(parts, ", ")
			}
			continue
		}
		at[key] = len(rows)
		rows = append(rows, formatRow{f.Kind, f.Name, layout, f.Doc})
	}
	return rows
}

// formatList is the table for --help, aligned.
func formatList() string {
	rows := formatRows()
	w := [3]int{len("KIND"), len("FORMAT"), len("LAYOUT")}
	for _, r := range rows {
		w[0], w[1], w[2] = max(w[0], len(r.kind)), max(w[1], len(r.name)), max(w[2], len(r.layout))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  %-*s  %-*s  %-*s  %s\n", w[0], "KIND", w[1], "FORMAT", w[2], "LAYOUT", "READS")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-*s  %-*s  %-*s  %s\n", w[0], r.kind, w[1], r.name, w[2], r.layout, r.doc)
	}
	b.WriteString("  Any of them may also come gzipped or as the one file in a ZIP; CSV formats read XLSX too.\n")
	return b.String()
}

// formatMarkdown is the same table for docs/formats.md.
func formatMarkdown() string {
	var b strings.Builder
	b.WriteString("| kind | format | layout | reads |\n| --- | --- | --- | --- |\n")
	for _, r := range formatRows() {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", r.kind, r.name, r.layout, strings.ReplaceAll(r.doc, "|", `\|`))
	}
	return b.String()
}

// inputFormatNames are the format names of kind ("" for every kind).
func inputFormatNames(kind string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range formatRows() {
		if (kind == "" || r.kind == kind) && !seen[r.name] {
			seen[r.name] = true
			out = append(out, r.name)
		}
	}
	return out
}
