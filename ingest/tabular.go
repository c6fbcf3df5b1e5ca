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
//
// The rows are parsed on a goroutine of their own (encoding/csv, the
// field-count and UTF-8 checks) and handed over in batches, so that parsing
// runs beside the format's validation on another core. The first Next starts
// it: settings of r (LazyQuotes) made before then apply to every row.
type csvRows struct {
	r      *csv.Reader
	br     *bufio.Reader // what r reads from; the fast path reads simple lines from it directly
	comma  byte
	fast   bool     // read simple lines without r (off in tests comparing both ways)
	lines  int      // lines the fast path consumed: r's line numbers lag behind by this many
	rLine  int      // the last line r consumed, in r's numbering
	bounds [][2]int // the fast path's cell boundaries, reused
	hdr    header
	rec    []string
	line   int
	err    *Reject // the current row's problem, if any
	fatal  error
	cols   int
	offset int         // lines consumed before the header (preamble)
	ts     *textStream // the stream under br, when it is one: cut lines, record bounds

	cur    *csvBatch // the batch Next reads from
	pos    int
	flines []int // lines of the current row's fields when it spans lines, else nil
	full   chan *csvBatch
	free   chan *csvBatch
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

// csvBatch is a run of parsed rows: their cells in one slice.
type csvBatch struct {
	cells []string
	rows  []csvRow
	fatal error // an error that stopped reading after these rows
}

// csvRow is one row of a batch.
type csvRow struct {
	start, end int     // its cells: cells[start:end]; start == end == -1 for a row without cells
	line       int     // line of its first field
	lines      []int   // line of each field when the row spans lines, else nil
	err        *Reject // its problem, if any
}

const (
	csvBatchRows = 512 // rows per batch handed from the parser to the format
	csvInFlight  = 4   // parsed batches waiting for the format
)

// newCSVRows opens a CSV stream: it strips a BOM, detects the delimiter from
// the header line, skips `skip` preamble lines, and reads the header. The
// caller calls Close when it is done with the rows.
func newCSVRows(in io.Reader, skip int) (*csvRows, error) {
	br := bufio.NewReaderSize(in, 1<<18) // csv.NewReader reads from br itself (it is a bufio.Reader)
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
	c := &csvRows{r: r, br: br, comma: byte(r.Comma), fast: true, hdr: newHeader(raw), cols: len(raw), offset: skip}
	c.rLine = c.lastLine(raw)
	return c, nil
}

// start runs the parser goroutine.
func (c *csvRows) start() {
	c.full = make(chan *csvBatch, csvInFlight)
	c.free = make(chan *csvBatch, csvInFlight+2)
	c.stop = make(chan struct{})
	c.done = make(chan struct{})
	go c.parse()
}

// parse reads every row into batches until the end of the input, an I/O
// error or Close.
func (c *csvRows) parse() {
	defer close(c.done)
	defer close(c.full)
	for {
		var b *csvBatch
		select {
		case b = <-c.free:
			b.cells, b.rows = b.cells[:0], b.rows[:0]
		default:
			b = &csvBatch{}
		}
		more := true
		for more && len(b.rows) < csvBatchRows {
			more = c.parseRow(b)
		}
		if len(b.rows) == 0 && b.fatal == nil {
			return
		}
		select {
		case c.full <- b:
		case <-c.stop:
			return
		}
		if !more {
			return
		}
	}
}

// parseRow reads the next row into b; it returns false at the end of the
// input or on an error that stops reading.
func (c *csvRows) parseRow(b *csvBatch) bool {
	if c.fast {
		if done, ok := c.simpleRow(b); done {
			return ok
		}
	}
	rec, err := c.r.Read()
	if err == io.EOF {
		return false
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			c.rLine = pe.Line // the rest of that line is consumed
			line := pe.StartLine + c.lines + c.offset
			rj := &Reject{Line: line, Column: pe.Column,
				What: "has broken quoting (" + pe.Err.Error() + ")", Hint: "quote cells that contain the delimiter, quotes or line breaks, doubling inner quotes"}
			if _, ok := c.ts.takeLong(line, pe.Line+c.lines+c.offset); ok {
				rj = c.tooLong(line)
			}
			b.rows = append(b.rows, csvRow{start: -1, end: -1, line: line, err: rj})
			c.marked()
			return true
		}
		b.fatal = err
		return false
	}
	if len(rec) == 0 {
		return true
	}
	c.rLine = c.lastLine(rec)
	if len(rec) == 1 && rec[0] == "" {
		return true // a line holding only "": not a row
	}
	row := csvRow{start: len(b.cells)}
	b.cells = append(b.cells, rec...)
	row.end = len(b.cells)
	first, _ := c.r.FieldPos(0)
	row.line = first + c.lines + c.offset
	if last, _ := c.r.FieldPos(len(rec) - 1); last != first {
		row.lines = make([]int, len(rec))
		for i := range rec {
			l, _ := c.r.FieldPos(i)
			row.lines[i] = l + c.lines + c.offset
		}
	}
	c.check(b, row, false)
	c.cutRow(b, c.rLine+c.lines+c.offset)
	return true
}

// tooLong is the reject of a record (starting at line) holding a line the
// textStream cut.
func (c *csvRows) tooLong(line int) *Reject {
	return &Reject{Line: line, Column: 1, What: c.ts.tooLongWhat(), Hint: tooLongHint}
}

// cutRow rejects the row just added to b when one of its lines, up to last,
// was cut for its length, and tells the stream that the row is finished.
func (c *csvRows) cutRow(b *csvBatch, last int) {
	if c.ts == nil {
		return
	}
	row := &b.rows[len(b.rows)-1]
	if _, ok := c.ts.takeLong(row.line, last); ok {
		row.err = c.tooLong(row.line)
	}
	c.marked()
}

// marked tells the stream that a record is finished.
func (c *csvRows) marked() {
	if c.ts != nil {
		c.ts.mark(c.br.Size())
	}
}

// lastLine is the line (in r's numbering) on which the record r just read
// ends: the line its last cell starts on plus the line breaks inside that
// cell (r reads each as \n).
func (c *csvRows) lastLine(rec []string) int {
	l, _ := c.r.FieldPos(len(rec) - 1)
	return l + strings.Count(rec[len(rec)-1], "\n")
}

// simpleRow reads the next line itself when it is a simple row: on one
// line, its quoted cells holding no quote and closed before the delimiter
// or the line end. Such a line reads the same as encoding/csv reads it,
// with one copy instead of two. Anything else — a line break or a doubled
// quote inside quotes, a stray quote, a line longer than the buffer or
// without a final newline — is left to encoding/csv (done false), which
// sees the input exactly where it would have.
func (c *csvRows) simpleRow(b *csvBatch) (done, ok bool) {
	buf, _ := c.br.Peek(c.br.Buffered())
	nl := bytes.IndexByte(buf, '\n')
	if nl < 0 {
		buf, _ = c.br.Peek(c.br.Size()) // fill the buffer
		if nl = bytes.IndexByte(buf, '\n'); nl < 0 {
			return false, false
		}
	}
	line := buf[:nl]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1] // encoding/csv reads \r\n as \n
	}
	if len(line) == 0 { // a blank line: skipped, as encoding/csv does
		c.br.Discard(nl + 1)
		c.lines++
		return true, true
	}
	cells := c.bounds[:0] // where each cell starts and ends in line
	for pos := 0; ; {
		var start, end, next int
		if line[pos] == '"' {
			q := bytes.IndexByte(line[pos+1:], '"')
			if q < 0 {
				return false, false // the quotes go on past the line
			}
			start, end = pos+1, pos+1+q
			next = end + 1
			if next < len(line) && line[next] != c.comma {
				return false, false // a doubled quote or text after the closing quote
			}
		} else {
			start = pos
			if k := bytes.IndexByte(line[pos:], c.comma); k >= 0 {
				end = pos + k
			} else {
				end = len(line)
			}
			if bytes.IndexByte(line[start:end], '"') >= 0 {
				return false, false // a quote inside an unquoted cell
			}
			next = end
		}
		cells = append(cells, [2]int{start, end})
		if next >= len(line) {
			break
		}
		pos = next + 1 // past the delimiter
		if pos == len(line) {
			cells = append(cells, [2]int{pos, pos}) // a last, empty cell
			break
		}
	}
	c.bounds = cells
	if len(cells) == 1 && cells[0][0] == cells[0][1] {
		return false, false // a line that is one empty quoted cell: as encoding/csv says
	}
	str := string(line) // one allocation; the cells are substrings of it
	row := csvRow{start: len(b.cells)}
	for _, cb := range cells {
		b.cells = append(b.cells, str[cb[0]:cb[1]])
	}
	row.end = len(b.cells)
	c.br.Discard(nl + 1)
	c.lines++
	row.line = c.rLine + c.lines + c.offset
	// cells split at ASCII bytes: a line that is UTF-8 has UTF-8 cells
	c.check(b, row, utf8.ValidString(str))
	c.cutRow(b, row.line)
	return true, true
}

// check adds the row to b with its problem, if any: a field count other
// than the header's, or a cell that is not UTF-8. valid says the row's text
// is known to be UTF-8 already.
func (c *csvRows) check(b *csvBatch, row csvRow, valid bool) {
	rec := b.cells[row.start:row.end]
	if len(rec) != c.cols {
		row.err = &Reject{Line: row.line, Column: 1, What: fmt.Sprintf("has %d fields but the header has %d", len(rec), c.cols), Hint: "check for an unquoted delimiter or a missing cell in this row"}
	} else if !valid {
		for i, f := range rec {
			if !utf8.ValidString(f) {
				row.err = &Reject{Line: row.fieldLine(i), Column: i + 1, Field: c.hdr.Raw[i], Value: strings.ToValidUTF8(f, "\ufffd"), What: "is not valid UTF-8", Hint: "save the file as UTF-8 and import it again"}
				break
			}
		}
	}
	b.rows = append(b.rows, row)
}

func (r *csvRow) fieldLine(i int) int {
	if r.lines != nil && i < len(r.lines) {
		return r.lines[i]
	}
	return r.line
}

// Next advances to the next row. It returns false at the end of the file or
// on an error that stops reading. After a true, Err tells whether the row
// itself is broken (then the caller rejects it). The row's cells (rec) are
// valid until the next call.
func (c *csvRows) Next() bool {
	if c.fatal != nil || c.closed {
		return false
	}
	if c.full == nil {
		c.start()
	}
	for c.cur == nil || c.pos == len(c.cur.rows) {
		if c.cur != nil {
			if c.cur.fatal != nil {
				c.fatal = c.cur.fatal
				return false
			}
			select {
			case c.free <- c.cur:
			default:
			}
		}
		b, ok := <-c.full
		if !ok {
			c.cur, c.rec, c.err = nil, nil, nil
			return false
		}
		c.cur, c.pos = b, 0
	}
	row := &c.cur.rows[c.pos]
	c.pos++
	c.line, c.err, c.flines = row.line, row.err, row.lines
	c.rec = nil
	if row.start >= 0 {
		c.rec = c.cur.cells[row.start:row.end:row.end]
	}
	return true
}

func (c *csvRows) fieldLine(i int) int {
	if c.flines != nil && i < len(c.flines) {
		return c.flines[i]
	}
	return c.line
}

// Err returns the current row's problem, or nil.
func (c *csvRows) Err() *Reject {
	return c.err
}

// Close stops the parser goroutine and waits for it; Next then returns false.
func (c *csvRows) Close() {
	if c == nil || c.closed {
		return
	}
	c.closed = true
	if c.full == nil {
		return
	}
	close(c.stop)
	for range c.full { // let a parser blocked on a full queue see stop
	}
	<-c.done
}

// Fatal returns an error that stopped reading (an I/O error), or nil.
func (c *csvRows) Fatal() error { return c.fatal }

// Field returns cell i of the current row ("" when i < 0).
func (c *csvRows) Field(i int) string {
	if i < 0 || i >= len(c.rec) {
		return ""
	}
	return c.rec[i]
}
