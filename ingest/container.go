package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Containers and preambles: a ZIP holding one export (Amazon's report
// download), an XLSX workbook (read as the CSV of one sheet, cells as
// stored: dates stay Excel serial numbers), and title lines above the header.

// maxSheetRows bounds an XLSX sheet: a workbook is read whole into memory,
// unlike a CSV, which streams.
const maxSheetRows = 2_000_000

// openContainer unpacks a ZIP (one CSV/TSV/JSON member, ignoring folders and
// macOS metadata) or converts an XLSX workbook's sheet to CSV. sheet names
// the preferred sheets in order (from the format); else the first sheet a
// format of kind names, else the first sheet.
func openContainer(f *os.File, kind, format string) (io.Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("is not a readable ZIP archive: %v", err)
	}
	var members []*zip.File
	for _, m := range zr.File {
		if m.FileInfo().IsDir() || strings.HasPrefix(m.Name, "__MACOSX/") || strings.HasPrefix(path.Base(m.Name), "._") {
			continue
		}
		if m.Name == "xl/workbook.xml" {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			return xlsxAsCSV(f, kind, format)
		}
		members = append(members, m)
	}
	switch len(members) {
	case 0:
		return nil, fmt.Errorf("is an empty ZIP archive; export the report again")
	case 1:
	default:
		names := make([]string, len(members))
		for i, m := range members {
			names[i] = m.Name
		}
		return nil, fmt.Errorf("is a ZIP archive with %d files (%s); unzip it and import each file", len(members), strings.Join(names, ", "))
	}
	switch strings.ToLower(path.Ext(members[0].Name)) {
	case ".csv", ".tsv", ".txt", ".jsonl", ".json", ".log", "":
	default:
		return nil, fmt.Errorf("is a ZIP archive holding %s, which postlive does not read; unzip it", members[0].Name)
	}
	rc, err := members[0].Open()
	if err != nil {
		return nil, fmt.Errorf("is a ZIP archive whose %s cannot be read: %v", members[0].Name, err)
	}
	return rc, nil
}

// xlsxAsCSV writes the chosen sheet as CSV text.
func xlsxAsCSV(r io.Reader, kind, format string) (io.Reader, error) {
	wb, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("is not a readable XLSX workbook: %v", err)
	}
	defer wb.Close()
	sheets := wb.GetSheetList()
	sheet := pickSheet(sheets, kind, format)
	if sheet == "" {
		return nil, fmt.Errorf("is an XLSX workbook without sheets")
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("is an XLSX workbook whose sheet %q cannot be read: %v", sheet, err)
	}
	defer rows.Close()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	n := 0
	for rows.Next() {
		n++
		if n > maxSheetRows {
			return nil, fmt.Errorf("sheet %q has more than %d rows; export it as CSV instead", sheet, maxSheetRows)
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("sheet %q row %d: %v", sheet, n, err)
		}
		for i, c := range cells {
			cells[i] = xlsxNumber(c)
		}
		if len(cells) == 0 {
			cells = []string{""}
		}
		if err := w.Write(cells); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	return padRows(buf.Bytes()), nil
}

// pickSheet chooses the sheet of a workbook: the forced format's Sheets,
// else the first sheet any format of the kind names, else the first sheet.
func pickSheet(sheets []string, kind, format string) string {
	var want []string
	for _, f := range registry {
		if (kind == "" || f.Kind == kind) && (format == "" || f.Name == format) {
			want = append(want, f.Sheets...)
		}
	}
	for _, s := range sheets {
		for _, w := range want {
			if strings.EqualFold(strings.TrimSpace(s), w) {
				return s
			}
		}
	}
	if len(sheets) == 0 {
		return ""
	}
	return sheets[0]
}

// xlsxNumber writes a numeric cell stored with binary noise
// ("19.989999999999998") as its shortest form ("19.99").
func xlsxNumber(c string) string {
	if !strings.ContainsAny(c, ".eE") || strings.ContainsAny(c, " ,/:") {
		return c
	}
	f, err := strconv.ParseFloat(c, 64)
	if err != nil {
		return c
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// padRows makes every CSV row of a sheet as wide as the widest row below the
// preamble: XLSX rows end at their last non-empty cell.
func padRows(b []byte) io.Reader {
	recs, err := csv.NewReader(bytesReader(b)).ReadAll()
	if err != nil {
		return bytesReader(b)
	}
	width := 0
	for _, r := range recs {
		width = max(width, len(r))
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	for _, r := range recs {
		for len(r) < width {
			r = append(r, "")
		}
		w.Write(r)
	}
	w.Flush()
	return &out
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// sniffPreamble returns how many lines stand above the header: the smallest
// count, up to the largest Preamble of the formats of kind (or of the forced
// format), whose next line is a header such a format recognises; 0 when none
// does.
func sniffPreamble(br *bufio.Reader, kind, format string) int {
	most := 0
	var forced *Format
	for _, f := range registry {
		if f.Kind == kind && !f.JSONL && (format == "" || f.Name == format) {
			most = max(most, f.Preamble)
			forced = f
		}
	}
	if most == 0 {
		return 0
	}
	lines := peekLines(br, most+1)
	for skip := 0; skip <= most && skip < len(lines); skip++ {
		h, ok := lineHeader(lines[skip])
		if !ok {
			continue
		}
		if format != "" {
			if len(h.missing(forced.Identify...)) == 0 {
				return skip
			}
			continue
		}
		if f, err := detect(kind, h, false); err == nil && (skip == 0 || f.Preamble >= skip) {
			return skip
		}
	}
	if format != "" {
		return forced.Preamble
	}
	return 0
}

// peekLines returns up to n lines from the start of the stream without
// consuming them (BOM removed).
func peekLines(br *bufio.Reader, n int) [][]byte {
	b, _ := br.Peek(1 << 16)
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var out [][]byte
	for len(out) < n && len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, bytes.TrimRight(b[:i], "\r"))
		b = b[i+1:]
	}
	return out
}

// lineHeader parses one line as a header row.
func lineHeader(line []byte) (header, bool) {
	r := csv.NewReader(bytes.NewReader(line))
	r.Comma = detectDelimiter(line)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rec, err := r.Read()
	if err != nil {
		return header{}, false
	}
	return newHeader(rec), true
}

// sniffLineFormat returns the headerless format (Format.Sniff) of kind that
// recognises the first non-blank line and the start of the file, or the
// forced one when it does.
func sniffLineFormat(br *bufio.Reader, kind, format string) *Format {
	var first []byte
	for _, l := range peekLines(br, 8) {
		if len(bytes.TrimSpace(l)) > 0 {
			first = l
			break
		}
	}
	if first == nil {
		return nil
	}
	head, _ := br.Peek(1 << 16)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for _, f := range registry {
		if f.Kind == kind && f.Sniff != nil && (format == "" || f.Name == format) && f.Sniff(first, head) {
			return f
		}
	}
	return nil
}

// lineRows reads a text file line by line (as long as ts lets a line be).
type lineRows struct {
	sc    *bufio.Scanner
	line  int
	text  string
	err   *Reject // the line was cut for its length: text is its start
	fatal error
	ts    *textStream
}

func newLineRows(r io.Reader, ts *textStream) *lineRows {
	return &lineRows{sc: lineScanner(r, ts), ts: ts}
}

// Next advances to the next non-blank line.
func (l *lineRows) Next() bool {
	for l.sc.Scan() {
		l.line++
		b := bytes.TrimRight(l.sc.Bytes(), "\r")
		if l.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		l.err = nil
		if long, ok := l.ts.takeLong(l.line, l.line); ok {
			l.text = cutText(b)
			l.err = &Reject{Line: long, Column: 1, What: l.ts.tooLongWhat(), Hint: tooLongHint}
			return true
		}
		l.text = string(b)
		return true
	}
	if err := l.sc.Err(); err != nil {
		l.fatal = err
	}
	return false
}
