package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// header is a file's header row, normalised for matching: BOM removed,
// trimmed, case-folded, inner whitespace collapsed, and a currency suffix such
// as "(USD)" or "($)" split off into Currency.
type header struct {
	Raw      []string
	Norm     []string
	Currency []string
}

// currencySuffix matches a currency in a header's brackets: a three-letter
// code ("Amount spent (USD)") or a symbol. A code in capitals is taken as
// ISO 4217; in other cases only when it is a common currency, so that a unit
// such as "(min)" stays part of the name.
var currencySuffix = regexp.MustCompile(`^(.*?)\s*\(\s*([A-Za-z]{3}|\$|€|£|¥|(?i:rs\.?|rp))\s*\)$`)

var commonCurrencies = map[string]bool{
	"usd": true, "eur": true, "gbp": true, "jpy": true, "cad": true, "aud": true, "nzd": true, "chf": true,
	"sek": true, "nok": true, "dkk": true, "pln": true, "czk": true, "huf": true, "inr": true, "idr": true,
	"myr": true, "sgd": true, "thb": true, "php": true, "vnd": true, "krw": true, "cny": true, "hkd": true,
	"twd": true, "brl": true, "mxn": true, "ars": true, "clp": true, "cop": true, "pen": true, "zar": true,
	"try": true, "aed": true, "sar": true, "ils": true, "egp": true, "ngn": true, "dzd": true,
}

// currencySymbols maps (lower-cased) symbols in headers to ISO 4217 codes.
var currencySymbols = map[string]string{"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "rs": "INR", "rs.": "INR", "rp": "IDR"}

func normalizeHeaderName(s string) (name, currency string) {
	s = strings.Join(strings.Fields(cleanCell(strings.TrimPrefix(s, "\ufeff"))), " ")
	if m := currencySuffix.FindStringSubmatch(s); m != nil {
		cur := m[2]
		if c, ok := currencySymbols[strings.ToLower(cur)]; ok {
			return strings.ToLower(m[1]), c
		}
		if cur == strings.ToUpper(cur) || commonCurrencies[strings.ToLower(cur)] {
			return strings.ToLower(m[1]), strings.ToUpper(cur)
		}
	}
	return strings.ToLower(s), ""
}

func newHeader(raw []string) header {
	h := header{Raw: append([]string(nil), raw...), Norm: make([]string, len(raw)), Currency: make([]string, len(raw))}
	for i, r := range raw {
		h.Norm[i], h.Currency[i] = normalizeHeaderName(r)
	}
	return h
}

// index returns the position of the first header matching one of the aliases.
func (h header) index(aliases ...string) int {
	for _, a := range aliases {
		a, _ = normalizeHeaderName(a)
		for i, n := range h.Norm {
			if n == a {
				return i
			}
		}
	}
	return -1
}

// missing lists the names that are not present; a name may list
// alternatives separated by "|" ("action id|id").
func (h header) missing(names ...string) []string {
	var out []string
	for _, n := range names {
		if h.index(strings.Split(n, "|")...) < 0 {
			out = append(out, n)
		}
	}
	return out
}

// detectDelimiter picks the delimiter that splits the first line into the
// most fields outside quotes: comma, semicolon, tab or pipe.
func detectDelimiter(line []byte) rune {
	best, bestN := ',', 0
	for _, d := range []byte{',', ';', '\t', '|'} {
		n, inQ := 0, false
		for _, c := range line {
			switch {
			case c == '"':
				inQ = !inQ
			case c == d && !inQ:
				n++
			}
		}
		if n > bestN {
			best, bestN = rune(d), n
		}
	}
	return best
}

// csvRows reads a delimited text file row by row with line numbers. Rows
// with the wrong number of fields, invalid UTF-8 or broken quoting are
// reported as rejects by the caller; reading goes on after them.
type csvRows struct {
	r      *csv.Reader
	hdr    header
	rec    []string
	line   int
	err    *Reject // the current row's problem, if any
	fatal  error
	nread  int
	cols   int
	offset int // lines consumed before the header (preamble)
}

// newCSVRows opens a CSV stream: it strips a BOM, detects the delimiter from
// the header line, skips `skip` preamble lines, and reads the header.
func newCSVRows(in io.Reader, skip int) (*csvRows, error) {
	br := bufio.NewReaderSize(in, 1<<16)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	if b, err := br.Peek(2); err == nil && (bytes.Equal(b, []byte{0xff, 0xfe}) || bytes.Equal(b, []byte{0xfe, 0xff})) {
		return nil, errors.New("is UTF-16; save it as UTF-8 (CSV UTF-8 in Excel) and import again")
	}
	for i := 0; i < skip; i++ {
		if _, err := br.ReadString('\n'); err != nil {
			return nil, errors.New("ends before its header row")
		}
	}
	first, _ := br.Peek(64 * 1024)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	r := csv.NewReader(br)
	r.Comma = detectDelimiter(first)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	raw, err := r.Read()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("is empty; export it again with its header row")
		}
		return nil, fmt.Errorf("has an unreadable header row: %v", err)
	}
	c := &csvRows{r: r, hdr: newHeader(raw), cols: len(raw), offset: skip}
	return c, nil
}

// Next advances to the next row. It returns false at the end of the file or
// on an error that stops reading. After a true, Err tells whether the row
// itself is broken (then the caller rejects it).
func (c *csvRows) Next() bool {
	if c.fatal != nil {
		return false
	}
	rec, err := c.r.Read()
	if err == io.EOF {
		return false
	}
	c.err = nil
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			c.line = pe.StartLine + c.offset
			c.err = &Reject{Line: c.line, Column: pe.Column, What: "has broken quoting (" + pe.Err.Error() + ")", Hint: "quote cells that contain the delimiter, quotes or line breaks, doubling inner quotes"}
			c.rec = nil
			c.nread++
			return true
		}
		c.fatal = err
		return false
	}
	c.rec = rec
	line, _ := c.r.FieldPos(0)
	c.line = line + c.offset
	c.nread++
	if len(rec) == 1 && rec[0] == "" {
		// a blank line: csv.Reader skips those itself; kept for safety
		c.nread--
		return c.Next()
	}
	if len(rec) != c.cols {
		c.err = &Reject{Line: c.line, Column: 1, What: fmt.Sprintf("has %d fields but the header has %d", len(rec), c.cols), Hint: "check for an unquoted delimiter or a missing cell in this row"}
		return true
	}
	for i, f := range rec {
		if !utf8.ValidString(f) {
			c.err = &Reject{Line: c.fieldLine(i), Column: i + 1, Field: c.hdr.Raw[i], Value: strings.ToValidUTF8(f, "\ufffd"), What: "is not valid UTF-8", Hint: "save the file as UTF-8 and import it again"}
			return true
		}
	}
	return true
}

func (c *csvRows) fieldLine(i int) int {
	l, _ := c.r.FieldPos(i)
	return l + c.offset
}

// Err returns the current row's problem, or nil.
func (c *csvRows) Err() *Reject {
	return c.err
}

// Close stops reading.
func (c *csvRows) Close() {}

// Fatal returns an error that stopped reading (an I/O error), or nil.
func (c *csvRows) Fatal() error { return c.fatal }

// Field returns cell i of the current row ("" when i < 0).
func (c *csvRows) Field(i int) string {
	if i < 0 || i >= len(c.rec) {
		return ""
	}
	return c.rec[i]
}
