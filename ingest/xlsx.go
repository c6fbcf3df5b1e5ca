package ingest

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// XLSX workbooks, read as a stream: the chosen worksheet's XML is decoded
// row by row and written as CSV text into a pipe that the CSV reader reads,
// so memory does not grow with the sheet. Every text of the XML (a cell, a
// shared string) is cut at the import's maximum record size before the XML
// decoder sees it: a cell over that size is not held in memory, its row is
// rejected with the sheet's row number (xlsxSheet.rejects). Shared strings
// are kept in memory up to sstMemory bytes and in a temporary file beyond.
//
// Cells are written as the user sees their value where the workbook says
// what it is: a number with a date or time format (Excel keeps dates as
// serial day numbers) becomes "2026-11-05 19:00:00", "2026-11-05" (a date
// format without a time) or "1:02:03" (a duration); other numbers are
// written in their shortest form. Rows end at their last non-empty cell in
// XLSX; a row shorter than the header row is padded with empty cells.

const (
	// sstMemory is how many bytes of shared strings are kept in memory; the
	// rest go to a temporary file.
	sstMemory = 32 << 20
	// xlsxMaxTag bounds one XML tag (its attributes); real workbooks have
	// tags of a few hundred bytes.
	xlsxMaxTag = 1 << 20
	// xlsxDefaultMaxCell bounds a cell when the import names no maximum
	// record size.
	xlsxDefaultMaxCell = 1 << 20
	// xlsxHeaderRows: the header is among the first rows of a sheet (title
	// lines stand above it: Amazon 1, TikTok LIVE 2).
	xlsxHeaderRows = 3
)

// cutElement stands in the XML for the rest of a text that was too long.
const cutElement = "postlive-cut"

// workbook is an XLSX file's sheet list, date system and the paths of its parts.
type workbook struct {
	zr        *zip.Reader
	sheets    []string          // names in workbook order
	paths     map[string]string // sheet name → part path
	date1904  bool
	maxCell   int
	styleDate []byte // per cellXfs index: 0 none, 'd' date, 't' date and time, 'h' duration
}

// openWorkbook reads a workbook's sheet list from zr.
func openWorkbook(zr *zip.Reader, maxCell int) (*workbook, error) {
	if maxCell <= 0 {
		maxCell = xlsxDefaultMaxCell
	}
	wb := &workbook{zr: zr, paths: map[string]string{}, maxCell: maxCell}
	rels := map[string]string{}
	if err := wb.eachElement("xl/_rels/workbook.xml.rels", func(d *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local == "Relationship" {
			target := attr(se, "Target")
			if strings.HasPrefix(target, "/") {
				target = strings.TrimPrefix(target, "/")
			} else {
				target = path.Join("xl", target)
			}
			rels[attr(se, "Id")] = target
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := wb.eachElement("xl/workbook.xml", func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "workbookPr":
			v := attr(se, "date1904")
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			name := attr(se, "name")
			wb.sheets = append(wb.sheets, name)
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					wb.paths[name] = rels[a.Value]
				}
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := wb.readStyles(); err != nil {
		return nil, err
	}
	return wb, nil
}

// part opens a part of the package; nil when the package lacks it.
func (wb *workbook) part(name string) (io.ReadCloser, error) {
	for _, f := range wb.zr.File {
		if strings.EqualFold(f.Name, name) {
			return f.Open()
		}
	}
	return nil, nil
}

// decoder returns an XML decoder over part, its texts cut at the workbook's
// maximum cell size.
func (wb *workbook) decoder(r io.Reader) *xml.Decoder {
	// entities make the XML text of a cell up to ~6 times longer than
	// the cell; the decoded length is checked against maxCell
	d := xml.NewDecoder(newBoundedXML(r, 6*wb.maxCell+64))
	d.Strict = true
	return d
}

// eachElement calls fn for every start element of a part (a missing part
// has none).
func (wb *workbook) eachElement(name string, fn func(*xml.Decoder, xml.StartElement) error) error {
	rc, err := wb.part(name)
	if err != nil {
		return fmt.Errorf("is an XLSX workbook whose %s cannot be read: %v", name, err)
	}
	if rc == nil {
		return nil
	}
	defer rc.Close()
	d := wb.decoder(rc)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("is an XLSX workbook whose %s is not readable XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := fn(d, se); err != nil {
				return err
			}
		}
	}
}

// readStyles finds the cell formats (cellXfs) whose number format shows a
// date, a date and time, or a duration.
func (wb *workbook) readStyles() error {
	custom := map[int]string{}
	inXfs := false
	var xfs []int
	err := wb.eachElement("xl/styles.xml", func(d *xml.Decoder, se xml.StartElement) error {
		switch se.Name.Local {
		case "numFmt":
			if id, err := strconv.Atoi(attr(se, "numFmtId")); err == nil {
				custom[id] = attr(se, "formatCode")
			}
		case "cellXfs":
			inXfs = true
		case "cellStyleXfs", "dxfs":
			inXfs = false
		case "xf":
			if inXfs {
				id, _ := strconv.Atoi(attr(se, "numFmtId"))
				xfs = append(xfs, id)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	wb.styleDate = make([]byte, len(xfs))
	for i, id := range xfs {
		wb.styleDate[i] = numFmtKind(id, custom[id])
	}
	return nil
}

// numFmtKind classifies a number format: 'd' a date, 't' a date and time,
// 'h' a time of day or duration, 0 anything else. Built-in ids per ECMA-376
// §18.8.30 (14–22, 45–47; 27–36 and 50–58 are East Asian dates); a custom
// code is a date when, outside quotes, brackets and escapes, it has y, d or
// m and no other number placeholders.
func numFmtKind(id int, code string) byte {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36, id >= 50 && id <= 58:
		return 'd'
	case id == 22:
		return 't'
	case id >= 18 && id <= 21, id >= 45 && id <= 47, id == 32, id == 33:
		return 'h'
	}
	if code == "" {
		return 0
	}
	code, _, _ = strings.Cut(code, ";") // the format of positive numbers
	var b strings.Builder
	elapsed := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				i = len(code)
			} else {
				i += j + 1
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				i = len(code)
				continue
			}
			in := strings.ToLower(code[i+1 : i+j])
			if in == "h" || in == "hh" || in == "m" || in == "mm" || in == "s" || in == "ss" {
				elapsed = true
				b.WriteByte(in[0])
			}
			i += j
		default:
			b.WriteByte(c | 0x20)
		}
	}
	s := b.String()
	if strings.ContainsAny(s, "0#?") && !strings.ContainsAny(s, "ydhs") {
		return 0
	}
	date := strings.ContainsAny(s, "yd") || (strings.Contains(s, "m") && !strings.ContainsAny(s, "hs"))
	clock := strings.ContainsAny(s, "hs")
	switch {
	case elapsed || (clock && !date):
		return 'h'
	case date && clock:
		return 't'
	case date:
		return 'd'
	}
	return 0
}

// serialTime converts an Excel serial day number to a wall-clock time
// (no zone: Excel stores what the user typed or the exporter wrote).
func (wb *workbook) serialTime(f float64) time.Time {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if wb.date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	return epoch.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
}

// cellText renders a numeric cell of style s: dates and durations as text,
// other numbers in their shortest form.
func (wb *workbook) cellText(v string, s int) string {
	kind := byte(0)
	if s >= 0 && s < len(wb.styleDate) {
		kind = wb.styleDate[s]
	}
	if kind == 0 {
		return xlsxNumber(v)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f >= 2958466 {
		return xlsxNumber(v)
	}
	switch kind {
	case 'h':
		secs := int64(math.Round(f * 86400))
		return fmt.Sprintf("%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	case 'd':
		if f == math.Floor(f) {
			return wb.serialTime(f).Format("2006-01-02")
		}
	}
	return wb.serialTime(f).Format("2006-01-02 15:04:05")
}

// sheetRejects are the rows of a sheet that were not written: their cells
// were over the maximum size. The import rejects them after reading.
type sheetRejects struct {
	mu   sync.Mutex
	list []Reject
	// sheets are the workbook's sheet names when the file is an XLSX
	// workbook, picked the one streamed.
	sheets []string
	picked string
}

func (s *sheetRejects) add(rj Reject) {
	s.mu.Lock()
	s.list = append(s.list, rj)
	s.mu.Unlock()
}

func (s *sheetRejects) take() []Reject {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.list
	s.list = nil
	return out
}

// sheetCSV streams the named sheet as CSV text. Rows over the maximum cell
// size are left out (an empty line keeps the line numbers) and recorded in
// rejects. Closing the returned reader stops the stream.
func (wb *workbook) sheetCSV(sheet string, rejects *sheetRejects) (io.ReadCloser, error) {
	p := wb.paths[sheet]
	if p == "" && len(wb.sheets) > 0 {
		for i, s := range wb.sheets {
			if s == sheet {
				p = fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)
			}
		}
	}
	rc, err := wb.part(p)
	if err != nil || rc == nil {
		return nil, fmt.Errorf("is an XLSX workbook whose sheet %q cannot be read", sheet)
	}
	sst, err := wb.sharedStrings()
	if err != nil {
		rc.Close()
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		err := wb.writeSheet(pw, rc, sst, sheet, rejects)
		rc.Close()
		sst.close()
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// writeSheet decodes a worksheet part and writes its rows as CSV.
func (wb *workbook) writeSheet(out io.Writer, part io.Reader, sst *stringTable, sheet string, rejects *sheetRejects) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	w := csv.NewWriter(bw)
	d := wb.decoder(part)
	var (
		cells      []string
		row        = 0 // the current row's number
		written    = 0 // the last row number written
		col        = 0
		cellType   string
		cellStyle  int
		text       strings.Builder
		inValue    bool // inside <v> or an inline <t>
		inPhonetic bool // inside <rPh> (phonetic runs are not the cell's text)
		cut        bool // the current cell is over the maximum size
		badCol     int  // the first column over the maximum, 1-based
		held       [][]string
		width      = -1 // the header row's width, once known
	)
	emit := func(rec []string, pad bool) error {
		if len(rec) == 0 {
			// an empty row, or one left out: an empty line keeps the
			// numbering (the CSV reader skips it)
			w.Flush()
			_, err := bw.WriteString("\n")
			return err
		}
		for pad && len(rec) < width {
			rec = append(rec, "")
		}
		if err := w.Write(rec); err != nil {
			return err
		}
		w.Flush()
		return w.Error()
	}
	flushHeld := func() error {
		// the header is the row of the first few with the most non-empty cells
		// (title lines above it are not padded)
		best, bestN, at := 0, -1, 0
		for i, r := range held {
			n := 0
			for _, c := range r {
				if c != "" {
					n++
				}
			}
			if n > bestN {
				best, bestN, at = len(r), n, i
			}
		}
		width = best
		for i, r := range held {
			if err := emit(r, i >= at); err != nil {
				return err
			}
		}
		held = nil
		return nil
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("sheet %q row %d is not readable XML: %v", sheet, row, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				if r, err := strconv.Atoi(attr(t, "r")); err == nil && r > written {
					row = r
				} else {
					row = written + 1
				}
				cells, col, badCol = cells[:0], 0, 0
			case "c":
				if ref := attr(t, "r"); ref != "" {
					if c := colIndex(ref); c >= 0 {
						col = c
					}
				}
				cellType = attr(t, "t")
				cellStyle = -1
				if s, err := strconv.Atoi(attr(t, "s")); err == nil {
					cellStyle = s
				}
				text.Reset()
				cut = false
			case "v":
				inValue = true
			case "t":
				inValue = !inPhonetic
			case "rPh":
				inPhonetic = true
			case cutElement:
				cut = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				inValue = false
			case "rPh":
				inPhonetic = false
			case "c":
				v := text.String()
				switch cellType {
				case "s":
					i, err := strconv.Atoi(strings.TrimSpace(v))
					if err != nil {
						return fmt.Errorf("sheet %q row %d: a shared string index %q is not a number", sheet, row, v)
					}
					s, over, err := sst.get(i)
					if err != nil {
						return err
					}
					v, cut = s, cut || over
				case "inlineStr", "str", "e", "b", "d":
				default:
					v = wb.cellText(strings.TrimSpace(v), cellStyle)
				}
				if cut || len(v) > wb.maxCell {
					if badCol == 0 {
						badCol = col + 1
					}
					v = ""
				}
				for len(cells) < col {
					cells = append(cells, "")
				}
				if col < len(cells) {
					cells[col] = v
				} else {
					cells = append(cells, v)
				}
				col++
			case "row":
				for written+1 < row { // rows the sheet leaves out are empty lines
					written++
					if held != nil || width < 0 {
						held = append(held, nil)
					} else if err := emit(nil, true); err != nil {
						return err
					}
				}
				written = row
				end := len(cells)
				for end > 0 && cells[end-1] == "" {
					end--
				}
				rec := append(make([]string, 0, end), cells[:end]...)
				if badCol > 0 {
					rejects.add(Reject{Line: row, Column: badCol, What: fmt.Sprintf("has a cell over the maximum record size of %d bytes", wb.maxCell),
						Hint: "the cell cannot be a real export value; check the workbook, or raise import.max_record_bytes"})
					rec = nil
				}
				if width < 0 {
					held = append(held, rec)
					if len(held) >= xlsxHeaderRows {
						if err := flushHeld(); err != nil {
							return err
						}
					}
				} else if err := emit(rec, true); err != nil {
					return err
				}
			}
		case xml.CharData:
			if inValue && !cut {
				if text.Len()+len(t) > wb.maxCell {
					cut = true
				} else {
					text.Write(t)
				}
			}
		}
	}
	if width < 0 {
		if err := flushHeld(); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// colIndex turns a cell reference ("AB12") into a 0-based column.
func colIndex(ref string) int {
	n := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		n = n*26 + int(c-'a'+1)
		if n > 1<<14 {
			return -1
		}
	}
	if i == 0 {
		return -1
	}
	return n - 1
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// stringTable is a workbook's shared strings: offsets in memory, the texts
// in memory up to sstMemory bytes and in a temporary file beyond. A string
// over the maximum cell size is kept as empty and marked over.
type stringTable struct {
	ends []int64 // end offset of string i (start = ends[i-1])
	over map[int]bool
	mem  []byte
	file *os.File
	fw   *bufio.Writer
	size int64
}

func (st *stringTable) add(s []byte, over bool) error {
	if over {
		if st.over == nil {
			st.over = map[int]bool{}
		}
		st.over[len(st.ends)] = true
		s = nil
	}
	if st.file == nil && len(st.mem)+len(s) > sstMemory {
		f, err := os.CreateTemp("", "postlive-xlsx-strings-*")
		if err != nil {
			return fmt.Errorf("XLSX shared strings: %v", err)
		}
		os.Remove(f.Name()) // gone when closed
		st.file, st.fw = f, bufio.NewWriterSize(f, 1<<16)
		if _, err := st.fw.Write(st.mem); err != nil {
			return fmt.Errorf("XLSX shared strings: %v", err)
		}
		st.mem = nil
	}
	if st.file != nil {
		if _, err := st.fw.Write(s); err != nil {
			return fmt.Errorf("XLSX shared strings: %v", err)
		}
	} else {
		st.mem = append(st.mem, s...)
	}
	st.size += int64(len(s))
	st.ends = append(st.ends, st.size)
	return nil
}

func (st *stringTable) get(i int) (string, bool, error) {
	if i < 0 || i >= len(st.ends) {
		return "", false, fmt.Errorf("a cell refers to shared string %d of %d; the workbook is damaged", i, len(st.ends))
	}
	if st.over[i] {
		return "", true, nil
	}
	start := int64(0)
	if i > 0 {
		start = st.ends[i-1]
	}
	n := st.ends[i] - start
	if st.file == nil {
		return string(st.mem[start:st.ends[i]]), false, nil
	}
	if st.fw.Buffered() > 0 {
		if err := st.fw.Flush(); err != nil {
			return "", false, err
		}
	}
	b := make([]byte, n)
	if _, err := st.file.ReadAt(b, start); err != nil {
		return "", false, fmt.Errorf("XLSX shared strings: %v", err)
	}
	return string(b), false, nil
}

func (st *stringTable) close() {
	if st.file != nil {
		st.file.Close()
	}
}

// sharedStrings reads xl/sharedStrings.xml: each <si> is the text of its
// <t> elements (rich-text runs joined), phonetic runs (<rPh>) left out.
func (wb *workbook) sharedStrings() (*stringTable, error) {
	st := &stringTable{}
	name := "xl/sharedStrings.xml"
	rc, err := wb.part(name)
	if err != nil {
		return nil, fmt.Errorf("is an XLSX workbook whose %s cannot be read: %v", name, err)
	}
	if rc == nil {
		return st, nil
	}
	defer rc.Close()
	d := wb.decoder(rc)
	var buf []byte
	in, inT, phonetic, over := false, false, false, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			st.close()
			return nil, fmt.Errorf("is an XLSX workbook whose %s is not readable XML: %v", name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				in, buf, over = true, buf[:0], false
			case "t":
				inT = in && !phonetic
			case "rPh":
				phonetic = true
			case cutElement:
				over = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if err := st.add(buf, over); err != nil {
					st.close()
					return nil, err
				}
				in = false
			case "t":
				inT = false
			case "rPh":
				phonetic = false
			}
		case xml.CharData:
			if inT && !over {
				if len(buf)+len(t) > wb.maxCell {
					over = true
				} else {
					buf = append(buf, t...)
				}
			}
		}
	}
}

// boundedXML passes an XML stream through, cutting every text (between
// tags, or a CDATA section) after max bytes: the rest is dropped and an
// empty element <postlive-cut/> stands in its place, so that the decoder
// never holds more than max bytes of one text. An entity cut in the
// middle is completed first. A tag over xlsxMaxTag is an error.
type boundedXML struct {
	r      *bufio.Reader
	max    int
	out    []byte
	err    error
	inTag  bool
	quote  byte
	tagLen int
	run    int  // bytes of the current text
	entity bool // inside &…;
	skip   bool // dropping the rest of a text
	cdata  bool
	tagBuf []byte // the first bytes of the current tag (to spot CDATA)
}

func newBoundedXML(r io.Reader, max int) *boundedXML {
	return &boundedXML{r: bufio.NewReaderSize(r, 1<<16), max: max}
}

var errTagTooLong = errors.New("an XML tag is longer than 1 MiB")

func (b *boundedXML) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.fill()
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// fill processes the next chunk of input into b.out.
func (b *boundedXML) fill() {
	chunk, err := b.r.Peek(1 << 15)
	if len(chunk) == 0 {
		if err == nil {
			err = io.EOF
		}
		if b.cdata || b.inTag {
			err = io.ErrUnexpectedEOF
		}
		b.err = err
		return
	}
	out := b.out[:0]
	for _, c := range chunk {
		switch {
		case b.cdata:
			// inside <![CDATA[ … ]]>: text until "]]>"
			b.tagBuf = append(b.tagBuf, c)
			if len(b.tagBuf) > 3 {
				b.tagBuf = b.tagBuf[len(b.tagBuf)-3:]
			}
			if string(b.tagBuf) == "]]>" {
				b.cdata = false
				if b.skip {
					out = append(out, "]]><"+cutElement+"/>"...)
				} else {
					out = append(out, c)
				}
				b.skip, b.run, b.tagBuf = false, 0, b.tagBuf[:0]
				continue
			}
			if b.skip {
				continue
			}
			b.run++
			if b.run > b.max+3 {
				b.skip = true
				continue
			}
			out = append(out, c)
		case b.inTag:
			out = append(out, c)
			b.tagLen++
			if len(b.tagBuf) < 9 {
				b.tagBuf = append(b.tagBuf, c)
				if string(b.tagBuf) == "<![CDATA[" {
					b.inTag, b.cdata, b.run, b.tagBuf = false, true, 0, b.tagBuf[:0]
					continue
				}
			}
			switch {
			case b.quote != 0:
				if c == b.quote {
					b.quote = 0
				}
			case c == '"' || c == '\'':
				b.quote = c
			case c == '>':
				b.inTag, b.run, b.tagBuf = false, 0, b.tagBuf[:0]
			}
			if b.tagLen > xlsxMaxTag {
				b.err = errTagTooLong
				b.r.Discard(len(chunk))
				b.out = out
				return
			}
		case c == '<':
			if b.skip {
				out = append(out, "<"+cutElement+"/>"...)
				b.skip = false
			}
			b.inTag, b.tagLen, b.quote, b.entity = true, 1, 0, false
			b.tagBuf = append(b.tagBuf[:0], c)
			out = append(out, c)
		case b.skip:
		default:
			b.run++
			if b.run > b.max && !b.entity {
				b.skip = true
				continue
			}
			switch c {
			case '&':
				b.entity = true
			case ';':
				b.entity = false
			}
			out = append(out, c)
		}
	}
	b.r.Discard(len(chunk))
	b.out = out
}

// isXLSX tells whether a ZIP archive is an XLSX workbook.
func isXLSX(zr *zip.Reader) bool {
	for _, m := range zr.File {
		if m.Name == "xl/workbook.xml" {
			return true
		}
	}
	return false
}

// workbookSets are sheets of one workbook that an import reads together.
// Amazon's XLSX download holds the Fee-Orders and Fee-Earnings reports of
// the same period (ref §2): the sales come from Fee-Orders (the day each
// item was ordered), and from Fee-Earnings only the returns, which Fee-Orders
// lacks; its shipments are the same sales again (docs/formats.md
// § amazon-orders).
var workbookSets = []struct {
	kind   string
	sheets []string // the first is read whole, the others for returns only
}{
	{"orders", []string{"Fee-Orders", "Fee-Earnings"}},
}

// workbookPart is one more sheet of a workbook set to read.
type workbookPart struct {
	sheet  string
	format *Format
}

// moreSheets returns the further sheets of a workbook set whose first sheet
// was just read (none without one, or with --format).
func moreSheets(kind string, info *sheetRejects, forced string) []workbookPart {
	if info == nil || forced != "" || len(info.sheets) == 0 {
		return nil
	}
	has := func(name string) string {
		for _, s := range info.sheets {
			if strings.EqualFold(strings.TrimSpace(s), name) {
				return s
			}
		}
		return ""
	}
	for _, set := range workbookSets {
		if set.kind != kind || !strings.EqualFold(strings.TrimSpace(info.picked), set.sheets[0]) {
			continue
		}
		var out []workbookPart
		for _, name := range set.sheets[1:] {
			s := has(name)
			if s == "" {
				continue
			}
			for _, f := range registry {
				if f.Kind == kind && len(f.Sheets) > 0 && strings.EqualFold(f.Sheets[0], name) {
					out = append(out, workbookPart{sheet: s, format: f})
				}
			}
		}
		return out
	}
	return nil
}
