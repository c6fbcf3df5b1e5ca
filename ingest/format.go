package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/postlive/postlive/lake"
)

// Format is one export layout postlive reads: which import kind it serves,
// the headers that identify it, and how it turns rows into canonical rows.
type Format struct {
	Name string
	Kind string // the import kind: streams, orders, clicks, …
	// Identify are headers (normalised names) that must all be present for
	// the format to be detected; more of them means a more specific format.
	Identify []string
	// Merchant is true for merchant exports that do not carry the merchant id.
	Merchant bool
	// JSONL formats read one JSON object per line.
	JSONL bool
	// Preamble is the largest number of lines above the header (title
	// lines); detection tries 0 up to it.
	Preamble int
	// Sheets are the XLSX sheet names that hold this format, preferred in order.
	Sheets []string
	// Sniff recognises a headerless format (web server logs, a JSON
	// document) from its first non-blank line and the start of the file (up
	// to 64 KB); such a format reads rd.lines.
	Sniff func(first, head []byte) bool
	// read consumes the file and reports every input row as accepted or rejected.
	read func(rd *reader) error
	// Doc is a one-line description for help and probe.
	Doc string
}

var registry []*Format

func register(f *Format) { registry = append(registry, f) }

// Formats lists the registered formats, sorted by kind then name.
func Formats() []*Format {
	out := append([]*Format(nil), registry...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Kinds lists the import kinds, sorted.
func Kinds() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range registry {
		if !seen[f.Kind] {
			seen[f.Kind] = true
			out = append(out, f.Kind)
		}
	}
	sort.Strings(out)
	return out
}

// detect picks the most specific format of kind whose identifying headers are
// all present. With none, the error names the closest candidates and what
// they miss.
func detect(kind string, h header, jsonl bool) (*Format, error) {
	var best *Format
	type near struct {
		name    string
		missing []string
	}
	var nears []near
	for _, f := range registry {
		if f.Kind != kind || f.JSONL != jsonl || f.Sniff != nil {
			continue
		}
		miss := h.missing(f.Identify...)
		if len(miss) == 0 {
			if best == nil || len(f.Identify) > len(best.Identify) {
				best = f
			}
			continue
		}
		nears = append(nears, near{f.Name, miss})
	}
	if best != nil {
		return best, nil
	}
	// name only the closest formats (fewest missing headers): the list stays
	// short and to the point however many formats a kind has
	sort.SliceStable(nears, func(i, j int) bool { return len(nears[i].missing) < len(nears[j].missing) })
	var parts []string
	for _, n := range nears {
		if len(n.missing) > len(nears[0].missing) {
			break
		}
		q := make([]string, len(n.missing))
		for i, m := range n.missing {
			q[i] = fmt.Sprintf("%q", m)
		}
		parts = append(parts, fmt.Sprintf("%s (missing %s)", n.name, strings.Join(q, ", ")))
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("no %s format reads this file; see `postlive import --help` for the formats", kind)
	}
	return nil, fmt.Errorf("header matches no %s format; closest: %s; fix the header, pass --input-format NAME, or run `postlive probe` on the file", kind, strings.Join(parts, "; "))
}

// reader is the state of one import: the file's rows, the options, the
// writer and the counts. Formats call accept and reject once per input row.
type reader struct {
	file     string        // the name used in messages
	sha      string        // the file's sha256, once known (fileSHA)
	hashed   func() string // waits for the sha256 of the file being hashed
	format   *Format
	opt      *Options
	csv      *csvRows
	jsonl    *jsonlRows
	lines    *lineRows   // line-oriented formats (Format.Sniff)
	ts       *textStream // what csv, jsonl or lines read through
	hash     *hasher
	bots     *botMatcher
	hosts    hostCache
	utms     utmCache
	loc      *time.Location // time zone for local times, nil when not configured
	tzKey    string
	out      rowSink
	lake     *lake.Lake // the lake being imported into (nil in probe): formats may read the plan's streams
	merchant string
	// container is the stream of an XLSX sheet or ZIP member, closed when
	// the import ends; sheet collects the XLSX rows it left out.
	container io.Closer
	sheet     *sheetRejects
	// sheetName is the sheet being read when an import reads several sheets
	// of one workbook; returnsOnly says that its rows other than returns
	// are the same sales as the first sheet's (accepted, not written).
	sheetName   string
	returnsOnly bool

	read, accepted, rejected int
	written                  map[string]int
	formatTag                string  // "<kind>/<format>", the source_format of every row
	lay                      *layout // of the table last written
	rejects                  []Reject
	pii                      map[string]bool // normalised header names holding personal data
	urls                     *urlScrubber    // personal query parameters of stored URLs (nil: none)
	urlCols                  map[*Table][]int
	plaus                    *plausibility // the plausible range of times (nil: unchecked)
	spill                    *rejectSpill  // rejects beyond heldRejects (nil: none yet)
	spillErr                 error
	dropped                  int // input rows write rejected since the last accept
	droppedLine              int // the line of the last of them
	// probeLimit, set by Probe, is how many bytes of the (decompressed)
	// file it reads, ending at a line break; probeCut says it stopped there.
	probeLimit int64
	probeCut   *bool
}

// rowSink receives the canonical rows of an import: the lake's table
// writer, or the sample collector of Probe.
type rowSink interface {
	add(r *Record) error
	commit() error
	abort()
}

// write stores a canonical row with its lineage: source_line and
// source_format here; source_sha256 and import_seq, the same for every row
// of the import, are filled in by the lake writer. source_format is
// "<import kind>/<format>", e.g. "orders/shopify": a redemption derived from
// an orders export is told apart from one in a coupon platform's export.
func (rd *reader) write(r *Record) error {
	if rd.dropped > 0 && r.Line == rd.droppedLine {
		return nil // another record of an input row rejected below
	}
	if rj := rd.prepare(r); rj != nil {
		// the input row is rejected: the format accepts it after its
		// records are written, and accept leaves it out
		rd.reject(*rj, nil, nil)
		rd.dropped++
		rd.droppedLine = r.Line
		return nil
	}
	return rd.store(r)
}

// prepare replaces the personal query parameters of r's URLs by keys and
// checks its times: it returns the reject (its record filled in) of a row
// whose times are out of range. It touches only r and rd's own caches, so
// that the fill workers of a parallel import (fillPool) each run it on a
// copy of the reader.
func (rd *reader) prepare(r *Record) *Reject {
	if rd.urls != nil {
		cols, ok := rd.urlCols[r.Table]
		if !ok {
			for i, c := range r.Table.Columns {
				if c.Kind == String && (c.Name == "url" || strings.HasSuffix(c.Name, "_url")) {
					cols = append(cols, i)
				}
			}
			if rd.urlCols == nil {
				rd.urlCols = map[*Table][]int{}
			}
			rd.urlCols[r.Table] = cols
		}
		for _, i := range cols {
			if v := &r.Vals[i]; v.Valid {
				v.S = rd.urls.scrub(v.S)
			}
		}
	}
	if rd.plaus != nil {
		if rj := rd.plaus.check(r); rj != nil {
			rj.Record = recordJSONOf(r)
			return rj
		}
	}
	return nil
}

// store hands a prepared row to the writer with its lineage.
func (rd *reader) store(r *Record) error {
	l := rd.lay
	if l == nil || l.table != r.Table {
		l = layoutOf(r.Table)
		rd.lay = l
	}
	if l.line >= 0 {
		r.Vals[l.line] = Value{Valid: true, I: int64(r.Line)}
	}
	if l.format >= 0 {
		if rd.formatTag == "" {
			rd.formatTag = rd.format.Kind + "/" + rd.format.Name
		}
		r.Vals[l.format] = Value{Valid: true, S: rd.formatTag}
	}
	rd.written[r.Table.Name]++
	return rd.out.add(r)
}

// fileSHA returns the sha256 of the file being read, waiting for it if it
// is still being computed.
func (rd *reader) fileSHA() string {
	if rd.sha == "" && rd.hashed != nil {
		rd.sha = rd.hashed()
	}
	return rd.sha
}

// accept counts n input rows as accepted, less those whose records write
// rejected (implausible times) since the last accept: they are counted as
// rejected already.
func (rd *reader) accept(n int) {
	n -= min(rd.dropped, n)
	rd.dropped = 0
	rd.read += n
	rd.accepted += n
}

// reject records a rejected input row with the row's cells as JSON
// (personal data replaced by its key).
func (rd *reader) reject(rj Reject, cells []string, names []string) {
	rd.read++
	rd.rejected++
	if rj.Sheet == "" {
		rj.Sheet = rd.sheetName
	}
	if rj.Record == "" && len(cells) > 0 {
		rj.Record = rd.recordJSON(cells, names)
	}
	if rj.Field != "" && (rd.pii[normName(rj.Field)] || personalColumn.MatchString(normName(rj.Field))) {
		rj.Value = rd.hash.key("pii", rj.Value)
	} else {
		rj.Value = rd.sanitize(rj.Value)
	}
	if rd.probeLimit > 0 {
		// Probe shows a few rejects and counts the rest: it holds no more
		// than an import would and spills nothing into the lake.
		if len(rd.rejects) < heldRejects {
			rd.rejects = append(rd.rejects, rj)
		}
		return
	}
	if len(rd.rejects) < heldRejects || rd.lake == nil {
		rd.rejects = append(rd.rejects, rj)
		return
	}
	if rd.spill == nil && rd.spillErr == nil {
		rd.spill, rd.spillErr = newRejectSpill(rd.lake)
	}
	if rd.spillErr == nil {
		rd.spillErr = rd.spill.add(rj)
	}
}

// spilled is how many rejects wait in the spill file.
func (rd *reader) spilled() int {
	if rd.spill == nil {
		return 0
	}
	return rd.spill.n
}

func normName(s string) string { n, _ := normalizeHeaderName(s); return n }

// recordJSON renders a rejected row's cells as a JSON object keyed by column
// name, personal data replaced by its key.
//
// When the cells do not line up with the names (a row with the wrong number
// of fields; a line that is not JSON, names nil) any cell may hold personal
// data, so every cell becomes a key if the file may carry personal data.
func (rd *reader) recordJSON(cells, names []string) string {
	blind := len(cells) != len(names) && rd.mayHoldPII(cells, names)
	var b strings.Builder
	b.WriteByte('{')
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		name := fmt.Sprintf("column %d", i+1)
		if i < len(names) {
			name = names[i]
		} else if names == nil && len(cells) == 1 {
			name = "line"
		}
		if (blind || rd.pii[normName(name)] || personalColumn.MatchString(normName(name))) && c != "" {
			c = "key:" + rd.hash.key("pii", c)
		} else {
			c = rd.sanitize(c)
		}
		k, _ := json.Marshal(name)
		v, _ := json.Marshal(strings.ToValidUTF8(c, "\ufffd"))
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// sanitize makes a cell of a rejected row as safe as an accepted one: any
// e-mail, IP address or phone number in it becomes a key, the personal
// query parameters of a URL too, and a cell cut for its length keeps its
// start only.
func (rd *reader) sanitize(c string) string {
	if len(c) > 1024 {
		c = c[:1024] + "…"
	}
	c = rd.hash.redact(c)
	if rd.urls != nil {
		c = rd.urls.scrub(c)
	}
	return c
}

// cellErr builds a reject for cell i of the current CSV row from a parse error.
func (rd *reader) cellErr(i int, err error) Reject {
	rj := Reject{Line: rd.csv.fieldLine(i), Column: i + 1, Field: rd.csv.hdr.Raw[i], Value: rd.csv.Field(i)}
	if ev, ok := err.(*errValue); ok {
		rj.What, rj.Hint = ev.what, ev.hint
	} else {
		rj.What = err.Error()
	}
	return rj
}

// rejectCSV rejects the current CSV row.
func (rd *reader) rejectCSV(rj Reject) {
	rd.reject(rj, rd.csv.rec, rd.csv.hdr.Raw)
}

// mayHoldPII tells whether a row whose cells do not line up with its names
// may hold personal data: the header names a personal column, or a raw JSON
// line (names nil) mentions one as a key.
func (rd *reader) mayHoldPII(cells, names []string) bool {
	for _, n := range names {
		if rd.pii[normName(n)] {
			return true
		}
	}
	if names == nil {
		line := strings.ToLower(strings.Join(cells, ","))
		for k, on := range rd.pii {
			if on && (strings.Contains(line, `"`+k+`"`) || strings.Contains(line, `"`+strings.ReplaceAll(k, " ", "_")+`"`)) {
				return true
			}
		}
	}
	return false
}
