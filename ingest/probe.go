package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/postlive/postlive/lake"
)

// ProbeResult is what Probe finds out about a file: how it is packed and
// encoded, where its header is, which format reads it (or which come
// closest and what they miss), and how its first rows come out.
type ProbeResult struct {
	File       string
	Container  string // "", "gzip", "ZIP archive holding X", "XLSX workbook, sheet X"
	Encoding   string // "UTF-8", "UTF-16", or a warning about invalid bytes
	BOM        bool
	Layout     string   // "delimited", "JSONL" or "log lines"
	Delimiter  string   // for delimited text: ",", ";", "tab" or "|"
	Preamble   []string // lines above the header
	Header     []string
	Kind       string // the detected format's import kind
	Format     string // "" when no format recognises the file
	Candidates []ProbeCandidate
	Samples    []ProbeRow // the first canonical rows the format produces
	Read       int        // rows read (up to probeMaxRows)
	Accepted   int
	Rejected   int
	Rejects    []string // the first reject messages
	Truncated  bool     // reading stopped after probeMaxRows rows
}

// ProbeCandidate is a format that could read the file and the headers it
// misses (none for a match).
type ProbeCandidate struct {
	Kind, Format string
	Missing      []string
}

// ProbeRow is one canonical row as text.
type ProbeRow struct {
	Table  string
	Line   int
	Values []ProbeValue
}

// ProbeValue is one column of a ProbeRow.
type ProbeValue struct{ Column, Value string }

const (
	probeSamples = 3
	probeRejects = 5
	probeMaxRows = 10000
)

var errProbeDone = errors.New("probe: enough rows")

// probeSink keeps the first rows and stops the read after probeMaxRows.
type probeSink struct {
	rows []ProbeRow
	n    int
}

func (s *probeSink) add(r *Record) error {
	s.n++
	if len(s.rows) < probeSamples {
		pr := ProbeRow{Table: r.Table.Name, Line: r.Line}
		for i, c := range r.Table.Columns {
			v := r.Vals[i]
			if !v.Valid || c.Name == "source_sha256" || c.Name == "import_seq" || c.Name == "source_line" {
				continue
			}
			pr.Values = append(pr.Values, ProbeValue{c.Name, formatValue(c.Kind, v)})
		}
		s.rows = append(s.rows, pr)
	}
	if s.n >= probeMaxRows {
		return errProbeDone
	}
	return nil
}
func (s *probeSink) commit() error { return nil }
func (s *probeSink) abort()        {}

// formatValue renders a canonical value for people.
func formatValue(k Kind, v Value) string {
	switch k {
	case Int:
		return fmt.Sprint(v.I)
	case Float:
		return fmt.Sprint(v.Float())
	case Bool:
		return fmt.Sprint(v.B)
	case Money:
		sign, i := "", v.I
		if i < 0 {
			sign, i = "-", -i
		}
		return fmt.Sprintf("%s%d.%02d", sign, i/100, i%100)
	case Time:
		return time.UnixMicro(v.I).UTC().Format(time.RFC3339)
	case Date:
		return time.Unix(v.I*86400, 0).UTC().Format("2006-01-02")
	}
	return v.S
}

// Probe shows how a file would be read without importing it. opt.Kind
// limits detection to one import kind ("" tries every kind); opt.Format
// forces a format; the time zones, merchant and salt of opt are used for
// the sample rows. Probe errors only when the file cannot be opened.
func Probe(path string, opt Options) (*ProbeResult, error) { return probe(nil, path, opt) }

// ProbeWithPlan is Probe reading the lake's stream plan, so that platform
// sessions are matched to streams as an import would.
func ProbeWithPlan(l *lake.Lake, path string, opt Options) (*ProbeResult, error) {
	return probe(l, path, opt)
}

func probe(l *lake.Lake, path string, opt Options) (*ProbeResult, error) {
	name := opt.Name
	if name == "" {
		name = path
	}
	res := &ProbeResult{File: name}
	if err := probeContainer(res, path, opt.Kind, opt.Format); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	in, err := decompressFor(f, opt.Kind, opt.Format, nil)
	if err != nil {
		res.Encoding = "unreadable: " + err.Error()
		return res, nil
	}
	br := bufio.NewReaderSize(in, 1<<16)
	peek, _ := br.Peek(1 << 16)
	switch {
	case bytes.HasPrefix(peek, []byte("\xef\xbb\xbf")):
		res.BOM, res.Encoding = true, "UTF-8"
		peek = peek[3:]
	case bytes.HasPrefix(peek, []byte{0xff, 0xfe}) || bytes.HasPrefix(peek, []byte{0xfe, 0xff}):
		res.BOM, res.Encoding = true, "UTF-16 (save it as UTF-8 before importing)"
		return res, nil
	default:
		res.Encoding = "UTF-8"
	}
	if !utf8.Valid(trimPartialRune(peek)) {
		res.Encoding = "not valid UTF-8 (probably Windows-1252 or Latin-1; save it as UTF-8)"
	}
	kinds := Kinds()
	if opt.Kind != "" {
		kinds = []string{opt.Kind}
	}
	inKinds := func(k string) bool { return contains(kinds, k) }
	jsonl := bytes.HasPrefix(bytes.TrimLeft(peek, " \t\r\n"), []byte("{"))

	var h header
	var chosen *Format
	for _, k := range kinds {
		if lf := sniffLineFormat(br, k, opt.Format); lf != nil {
			chosen, res.Layout = lf, "log lines"
			break
		}
	}
	switch {
	case chosen != nil:
	case jsonl:
		res.Layout = "JSONL"
		h = jsonlHeader(peekLine(br))
	default:
		res.Layout = "delimited"
		lines := peekLines(br, 12)
		skip := 0
		most := 0
		for _, f := range registry {
			if inKinds(f.Kind) && !f.JSONL {
				most = max(most, f.Preamble)
			}
		}
	find:
		for s := 0; s <= most && s < len(lines); s++ {
			hs, ok := lineHeader(lines[s])
			if !ok {
				continue
			}
			for _, f := range registry {
				if inKinds(f.Kind) && !f.JSONL && f.Sniff == nil && (opt.Format == "" || f.Name == opt.Format) && (s == 0 || f.Preamble >= s) && len(hs.missing(f.Identify...)) == 0 {
					skip = s
					break find
				}
			}
		}
		for _, l := range lines[:min(skip, len(lines))] {
			res.Preamble = append(res.Preamble, string(l))
		}
		if skip < len(lines) {
			h, _ = lineHeader(lines[skip])
			switch d := detectDelimiter(lines[skip]); d {
			case '\t':
				res.Delimiter = "tab"
			default:
				res.Delimiter = string(d)
			}
		}
	}
	res.Header = h.Raw
	if chosen == nil {
		for _, f := range registry {
			if !inKinds(f.Kind) || f.JSONL != jsonl || f.Sniff != nil || (opt.Format != "" && f.Name != opt.Format) {
				continue
			}
			miss := h.missing(f.Identify...)
			res.Candidates = append(res.Candidates, ProbeCandidate{Kind: f.Kind, Format: f.Name, Missing: miss})
			if len(miss) == 0 && (chosen == nil || len(f.Identify) > len(chosen.Identify)) {
				chosen = f
			}
		}
		sort.SliceStable(res.Candidates, func(i, j int) bool {
			return len(res.Candidates[i].Missing) < len(res.Candidates[j].Missing)
		})
		if len(res.Candidates) > 5 {
			res.Candidates = res.Candidates[:5]
		}
	}
	if chosen == nil {
		return res, nil
	}
	res.Kind, res.Format = chosen.Kind, chosen.Name
	probeRows(l, res, path, chosen, opt)
	return res, nil
}

// probeRows runs the chosen format over the file with a sample sink.
func probeRows(l *lake.Lake, res *ProbeResult, path string, f *Format, opt Options) {
	opt.Kind, opt.Format = f.Kind, f.Name
	if opt.StreamParam == "" {
		opt.StreamParam = DefaultStreamParam
	}
	if opt.Merchant == "" && f.Merchant {
		opt.Merchant = "MERCHANT" // shown as such; imports take --merchant
	}
	sink := &probeSink{}
	rd := &reader{file: res.File, sha: strings.Repeat("0", 64), opt: &opt, hash: newHasher(opt.Salt), bots: newBotMatcher(opt.BotPatterns),
		out: sink, lake: l, written: map[string]int{}, pii: map[string]bool{}}
	rd.urls = newURLScrubber(opt.URLParams, rd.hash)
	rd.plaus = newPlausibility(opt.Plausible, time.Now())
	file, err := openReader(rd, path)
	if err != nil {
		res.Rejects = append(res.Rejects, err.Error())
		return
	}
	defer file.Close()
	defer rd.csv.Close()
	err = f.read(rd)
	switch {
	case errors.Is(err, errProbeDone):
		res.Truncated = true
	case err != nil:
		res.Rejects = append(res.Rejects, err.Error())
	}
	res.Samples = sink.rows
	res.Read, res.Accepted, res.Rejected = rd.read, rd.accepted, rd.rejected
	for i, rj := range rd.rejects {
		if i == probeRejects {
			break
		}
		res.Rejects = append(res.Rejects, rj.Message(res.File))
	}
}

// probeContainer names the packing of the file.
func probeContainer(res *ProbeResult, p, kind, format string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := f.Read(magic)
	magic = magic[:n]
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		res.Container = "gzip"
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")):
		st, err := f.Stat()
		if err != nil {
			return err
		}
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			res.Container = "ZIP archive (unreadable)"
			return nil
		}
		for _, m := range zr.File {
			if m.Name == "xl/workbook.xml" {
				f.Seek(0, 0)
				if wb, err := excelize.OpenReader(f); err == nil {
					sheets := wb.GetSheetList()
					res.Container = fmt.Sprintf("XLSX workbook, sheet %q of %s", pickSheet(sheets, kind, format), strings.Join(sheets, ", "))
					wb.Close()
				} else {
					res.Container = "XLSX workbook (unreadable)"
				}
				return nil
			}
		}
		var names []string
		for _, m := range zr.File {
			if !m.FileInfo().IsDir() && !strings.HasPrefix(m.Name, "__MACOSX/") && !strings.HasPrefix(path.Base(m.Name), "._") {
				names = append(names, m.Name)
			}
		}
		res.Container = "ZIP archive holding " + strings.Join(names, ", ")
	}
	return nil
}

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of a peek.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}
