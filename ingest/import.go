package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/postlive/postlive/lake"
)

// Options are the settings of an import, taken from config and flags.
type Options struct {
	Kind        string            // import kind: streams, drops, links, stream_metrics, clicks, orders, redemptions, spend, chat
	Format      string            // force a format; "" detects it from the header
	Merchant    string            // merchant id for exports that do not carry one
	Salt        string            // PII hashing salt
	BotPatterns []string          // extra bot user-agent substrings
	StreamParam string            // URL parameter carrying the stream id ("": DefaultStreamParam)
	TimeZones   map[string]string // format name → IANA zone for local times without an offset
	Currency    string            // ISO 4217 code for exports whose header and cells name none (Amazon UK)
	Decimal     string            // "," when an export's ambiguous numbers (1.234) use a decimal comma; default "."
	Currencies  map[string]string // format name → Currency, from config currencies.<format>
	Decimals    map[string]string // format name → Decimal, from config decimal_separators.<format>
	Now         func() time.Time  // clock for the manifest
	// MaxRecordBytes bounds a line or CSV record (import.max_record_bytes;
	// 0: DefaultMaxRecordBytes): a longer one is rejected, not read.
	MaxRecordBytes int
	// Plausible is the range of timestamps and stream lengths a row may
	// hold (import.earliest, import.latest_ahead, import.max_stream_length);
	// zero fields take the defaults (DefaultPlausible).
	Plausible Plausible
	// URLParams are the query parameters of stored URLs that carry personal
	// data (pii.url_params; nil: DefaultURLParams): their values are
	// replaced by salted keys.
	URLParams []string
	Name      string // how the file is named in messages (default: the path)
	// Progress, when set, is called with the number of bytes of the file
	// read since its last call (for a progress bar); XLSX and ZIP files,
	// read whole, do not report.
	Progress func(n int)
	// workers is how many goroutines fill the records of a generic CSV
	// file (0: one per core; 1: the sequential path, for tests comparing
	// both).
	workers int
}

// DefaultStreamParam is the URL parameter that carries the stream id unless
// configured otherwise (clicks.stream_param, whose default it is).
const DefaultStreamParam = "utm_content"

// Stats is the outcome of importing one file.
type Stats struct {
	File    string
	SHA256  string
	Kind    string
	Format  string
	Skipped bool // already imported: the manifest has its sha256
	// Retried is set when the file had been imported with rejected rows and
	// was imported again (under its first import sequence), e.g. after a
	// time zone was configured; the new import replaces the old one.
	Retried  int
	Read     int
	Accepted int
	Rejected int
	Written  map[string]int // canonical rows written per table
	// Rejects are the first 10,000 rejects (heldRejects); all Rejected
	// are in lake/_rejects.
	Rejects []Reject
	// Partial says why the file could not be read to its end (a truncated
	// .gz, a read error), "" when it was: the rows before that point were
	// imported and the end is one reject; the manifest keeps it as status.
	Partial string
}

// ConfigKey names the settings that decide which rows of a file are
// accepted and what they hold (the salt included: it makes the keys that
// replace personal data). The manifest keeps it with each import: a file
// imported with rejects is imported again only when it differs, and
// postlive run offers an inbox file it saw before to ingest again only
// then. It is the one "did the import settings change" of postlive.
func (o *Options) ConfigKey() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%q\x00", o.Kind, o.Format, o.Merchant, o.Salt, o.StreamParam, o.Currency, o.Decimal, o.BotPatterns)
	for _, m := range []map[string]string{o.TimeZones, o.Currencies, o.Decimals} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(h, "%s=%s\x00", k, m[k])
		}
		h.Write([]byte{1})
	}
	if o.MaxRecordBytes != 0 && o.MaxRecordBytes != DefaultMaxRecordBytes {
		fmt.Fprintf(h, "max_record_bytes=%d\x00", o.MaxRecordBytes)
	}
	if p := o.Plausible.orDefault(); p != DefaultPlausible {
		fmt.Fprintf(h, "plausible=%s/%s/%s\x00", p.Earliest.Format(time.RFC3339), p.LatestAhead, p.MaxStreamLength)
	}
	if o.URLParams != nil && !slices.Equal(o.URLParams, DefaultURLParams) {
		fmt.Fprintf(h, "url_params=%q\x00", o.URLParams)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ErrMerchantRequired is returned when a merchant export is imported without
// --merchant or default_merchant.
type ErrMerchantRequired struct{ File, Format string }

func (e *ErrMerchantRequired) Error() string {
	return fmt.Sprintf("%s: the %s export does not name its merchant; pass --merchant ID or set default_merchant in postlive.yaml", e.File, e.Format)
}

// Import reads one export file into the lake. A file whose sha256 is in the
// manifest is skipped. Rows that fail validation are rejected and kept in
// lake/_rejects; the good rows of the same file still land.
func Import(ctx context.Context, l *lake.Lake, path string, opt Options) (*Stats, error) {
	if opt.StreamParam == "" {
		opt.StreamParam = DefaultStreamParam
	}
	configKey := opt.ConfigKey() // before the import fills in per-format settings
	if opt.Now == nil {
		opt.Now = time.Now
	}
	name := opt.Name
	if name == "" {
		name = path
	}
	if TableByName(opt.Kind) == nil {
		return nil, &FileError{File: name, Msg: fmt.Sprintf("unknown import kind %q; use one of %s", opt.Kind, strings.Join(Kinds(), ", "))}
	}
	manifest, err := l.Manifest(ctx)
	if err != nil {
		return nil, err
	}
	// The file is hashed on its own goroutine while it is parsed; the writer
	// checks the manifest before it creates any file (resolve), and what was
	// parsed until then is dropped when the file is already there.
	res := &resolver{hashed: hashFile(path), lake: l, manifest: manifest, kind: opt.Kind, configKey: configKey}
	st := &Stats{File: name, Kind: opt.Kind, Written: map[string]int{}}
	skipped := func() (*Stats, bool) {
		if _, err := res.decision(); !errors.Is(err, errSkipped) {
			return nil, false
		}
		return &Stats{File: name, SHA256: res.sha, Kind: opt.Kind, Format: res.previous.Format, Skipped: true, Written: map[string]int{}}, true
	}

	rd := &reader{file: name, hashed: res.fileSHA, opt: &opt, hash: newHasher(opt.Salt), bots: newBotMatcher(opt.BotPatterns),
		out: newTableWriter(l, res.decision, res.claim), lake: l, written: st.Written, pii: map[string]bool{}}
	rd.urls = newURLScrubber(opt.URLParams, rd.hash)
	rd.plaus = newPlausibility(opt.Plausible, opt.Now())
	defer func() { rd.spill.remove() }()
	f, err := openReader(rd, path)
	if err != nil {
		rd.out.abort()
		if st, ok := skipped(); ok {
			return st, nil
		}
		return nil, err
	}
	defer f.Close()
	defer rd.closeContainer()
	defer rd.csv.Close()
	st.Format = rd.format.Name

	parts := moreSheets(opt.Kind, rd.sheet, opt.Format)
	if len(parts) > 0 {
		rd.sheetName = rd.sheet.picked
	}
	err = rd.format.read(rd)
	rd.rejectSheetRows()
	for _, p := range parts {
		if err != nil {
			break
		}
		st.Format += "+" + p.format.Name
		err = rd.readSheet(f, p)
	}
	if err != nil {
		rd.out.abort()
		if st, ok := skipped(); ok {
			return st, nil
		}
		var fe *FileError
		if asFileError(err, &fe) {
			return nil, fe
		}
		return nil, fmt.Errorf("import %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		rd.out.abort()
		return nil, err
	}
	var readErr error
	switch {
	case rd.csv != nil && rd.csv.Fatal() != nil:
		readErr = rd.csv.Fatal()
	case rd.jsonl != nil && rd.jsonl.fatal != nil:
		readErr = rd.jsonl.fatal
	case rd.lines != nil && rd.lines.fatal != nil:
		readErr = rd.lines.fatal
	}
	if readErr != nil {
		// The file cannot be read to its end (a truncated .gz, a read
		// error): its rows so far are kept, the rest is one reject at the
		// line where reading stopped, and the manifest says partial.
		line := rd.ts.line + 1
		what := readErr.Error()
		if errors.Is(readErr, io.ErrUnexpectedEOF) {
			what = "unexpected end of file"
		}
		st.Partial = fmt.Sprintf("partial: %s at line %d", what, line)
		rd.reject(Reject{Line: line, Column: 1, What: "cannot be read past this point (" + what + "); the rows before it were imported",
			Hint: "the file is cut short or damaged (an interrupted download or copy?); fetch it again and put it into the inbox"}, nil, nil)
	}
	if rd.spillErr != nil {
		rd.out.abort()
		return nil, rd.spillErr
	}
	st.Read, st.Accepted, st.Rejected, st.Rejects = rd.read, rd.accepted, rd.rejected, rd.rejects
	if st.Read != st.Accepted+st.Rejected || len(st.Rejects)+rd.spilled() != st.Rejected {
		rd.out.abort()
		return nil, fmt.Errorf("import %s: internal accounting error: read %d != accepted %d + rejected %d (rejects %d + %d)", name, st.Read, st.Accepted, st.Rejected, len(st.Rejects), rd.spilled())
	}
	if err := rd.out.commit(); err != nil {
		if st, ok := skipped(); ok {
			return st, nil
		}
		return nil, err
	}
	k, err := res.decision()
	if err != nil {
		return nil, err
	}
	sha, seq := k.sha, k.seq
	st.SHA256 = sha
	if res.previous != nil {
		st.Retried = int(res.previous.RowsRejected)
	}
	if len(rd.rejects) > 0 {
		if err := writeRejects(l, sha, name, rd.rejects, rd.spill); err != nil {
			return nil, err
		}
	}
	var tables []string
	written := 0
	for t, n := range st.Written {
		tables = append(tables, t)
		written += n
	}
	sort.Strings(tables)
	err = l.WriteManifest(lake.Entry{
		SHA256: sha, FileName: filepath.Base(name), Kind: opt.Kind, Format: rd.format.Name, Tables: strings.Join(tables, ","),
		MerchantID: rd.merchant, RowsRead: int64(st.Read), RowsAccepted: int64(st.Accepted), RowsRejected: int64(st.Rejected),
		RowsWritten: int64(written), ImportSeq: seq, ImportedAt: opt.Now().UTC(), ConfigKey: configKey, Status: st.Partial,
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// openReader opens path for rd: it unpacks the file, finds the preamble and
// the header (or recognises a line-oriented format), picks the format
// (forced or detected) and sets the merchant and time zone. The caller
// closes the returned file.
func openReader(rd *reader, path string) (*os.File, error) {
	opt, name := rd.opt, rd.file
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	rd.sheet = &sheetRejects{}
	in, err := decompressFor(f, opt.Kind, opt.Format, opt.Progress, xlsxMaxCell(opt), rd.sheet)
	if err != nil {
		return nil, &FileError{File: name, Msg: err.Error()}
	}
	if c, ok := in.(io.Closer); ok {
		rd.container = c
	}
	if rd.probeLimit > 0 {
		in = &lineLimitReader{r: in, n: rd.probeLimit, cut: rd.probeCut}
	}
	ts := newTextStream(in, opt.MaxRecordBytes)
	rd.ts = ts
	// the buffer holds a whole line of the longest allowed: detection reads
	// the first line (a JSONL object's keys) from it; the CSV reader reads
	// from it too (it is as large as the one it wants)
	br := bufio.NewReaderSize(ts, max(1<<18, ts.max+len(closeField)+2))
	peek, _ := br.Peek(4096)
	jsonl := bytes.HasPrefix(bytes.TrimLeft(bytes.TrimPrefix(peek, []byte("\xef\xbb\xbf")), " \t\r\n"), []byte("{"))

	if opt.Format != "" {
		// a forced format decides the layout: its JSONL or CSV variant
		// as the content suggests, else the one it has
		rd.format = formatVariant(opt.Kind, opt.Format, jsonl)
		if rd.format == nil {
			return nil, &FileError{File: name, Msg: fmt.Sprintf("no format %q for %s; formats: %s", opt.Format, opt.Kind, strings.Join(formatNames(opt.Kind), ", "))}
		}
		jsonl = rd.format.JSONL
	}
	var h header
	if lf := sniffLineFormat(br, opt.Kind, opt.Format); lf != nil {
		rd.format = lf
		rd.lines = newLineRows(br, ts)
	} else if jsonl {
		h = jsonlHeader(peekLine(br))
		rd.jsonl = newJSONLRows(br, ts)
	} else {
		preamble := sniffPreamble(br, opt.Kind, opt.Format)
		rd.csv, err = newCSVRows(br, preamble)
		if err != nil {
			if long, ok := ts.takeLong(1, preamble+1); ok {
				return nil, &FileError{File: name, Line: long, Msg: "the header row " + ts.tooLongWhat()}
			}
			return nil, &FileError{File: name, Msg: err.Error()}
		}
		if long, ok := ts.takeLong(1, rd.csv.rLine+preamble); ok {
			rd.csv.Close()
			return nil, &FileError{File: name, Line: long, Msg: "the header row " + ts.tooLongWhat()}
		}
		rd.csv.ts = ts
		rd.csv.marked() // the header is a finished record
		h = rd.csv.hdr
	}
	switch {
	case rd.lines != nil:
	case opt.Format != "":
		if rd.format.Sniff != nil {
			return nil, &FileError{File: name, Line: 1, Msg: fmt.Sprintf("the first line is not a %s line; check the file or drop --input-format", rd.format.Name)}
		}
		if !jsonl {
			if miss := h.missing(rd.format.Identify...); len(miss) > 0 {
				return nil, &FileError{File: name, Line: 1, Msg: fmt.Sprintf("the header lacks %s required by format %s", quoteList(miss), rd.format.Name)}
			}
		}
	default:
		rd.format, err = detect(opt.Kind, h, jsonl)
		if err != nil {
			return nil, &FileError{File: name, Line: 1 + 0, Msg: err.Error()}
		}
	}
	if rd.format.Merchant {
		if opt.Merchant == "" {
			return nil, &ErrMerchantRequired{File: name, Format: rd.format.Name}
		}
		rd.merchant = opt.Merchant
	}
	if c := opt.Currencies[rd.format.Name]; c != "" && rd.opt.Currency == "" {
		rd.opt.Currency = c
	}
	if d := opt.Decimals[rd.format.Name]; d != "" && rd.opt.Decimal == "" {
		rd.opt.Decimal = d
	}
	tzKey := "time_zones." + rd.format.Name
	rd.tzKey = tzKey
	if z := opt.TimeZones[rd.format.Name]; z != "" {
		if rd.loc, err = time.LoadLocation(z); err != nil {
			return nil, &FileError{File: name, Msg: fmt.Sprintf("%s: unknown time zone %q; use an IANA name like America/New_York", tzKey, z)}
		}
	}
	ok = true
	return f, nil
}

// formatVariant returns the format of kind named name, preferring its
// JSONL or CSV variant as jsonl says.
func formatVariant(kind, name string, jsonl bool) *Format {
	var any *Format
	for _, f := range registry {
		if f.Kind == kind && f.Name == name {
			if f.JSONL == jsonl {
				return f
			}
			any = f
		}
	}
	return any
}

// peekLine returns the first line of the stream without consuming it.
func peekLine(br *bufio.Reader) []byte {
	b, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
}

// jsonlHeader takes the keys of the first JSON object as the header used to
// detect a JSONL format.
func jsonlHeader(line []byte) header {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return newHeader(nil)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return newHeader(keys)
}

func asFileError(err error, fe **FileError) bool {
	e, ok := err.(*FileError)
	if ok {
		*fe = e
	}
	return ok
}

func formatNames(kind string) []string {
	var out []string
	for _, f := range Formats() {
		if f.Kind == kind {
			out = append(out, f.Name)
		}
	}
	return out
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// hashFile computes the sha256 of the file at path on its own goroutine; the
// returned function waits for it.
func hashFile(path string) func() (string, error) {
	var sha string
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, oerr := os.Open(path)
		if oerr != nil {
			err = oerr
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, cerr := io.CopyBuffer(h, f, make([]byte, 1<<20)); cerr != nil {
			err = fmt.Errorf("read %s: %w", path, cerr)
			return
		}
		sha = hex.EncodeToString(h.Sum(nil))
	}()
	return func() (string, error) {
		<-done
		return sha, err
	}
}

// resolver decides, once the file's sha256 is known, whether the file is
// imported and under which import sequence: a file in the manifest is
// skipped (errSkipped) unless its import had rejects and other settings,
// in which case it is imported again in its old place in the import order,
// its old rows forgotten only when the new ones are complete (claim).
type resolver struct {
	hashed    func() (string, error)
	lake      *lake.Lake
	manifest  []lake.Entry
	kind      string
	configKey string

	decided  sync.Once
	k        consts
	err      error
	sha      string
	previous *lake.Entry // the file's entry in the manifest, if any

	claimed  sync.Once
	claimErr error
}

// decision returns the file's lineage values or errSkipped; it only reads,
// and decides once.
func (r *resolver) decision() (consts, error) {
	r.decided.Do(func() { r.k, r.err = r.decide() })
	return r.k, r.err
}

func (r *resolver) decide() (consts, error) {
	sha, err := r.hashed()
	if err != nil {
		return consts{}, err
	}
	r.sha = sha
	var seq int64 = 1
	for i, e := range r.manifest {
		if e.SHA256 == sha {
			r.previous = &r.manifest[i]
		}
		if e.ImportSeq >= seq {
			seq = e.ImportSeq + 1
		}
	}
	if p := r.previous; p != nil {
		if p.RowsRejected == 0 || p.Kind != r.kind || p.ConfigKey == r.configKey {
			return consts{}, errSkipped
		}
		// The file was imported with rejects under other settings (a time
		// zone set since, say): import it again, in its old place in the
		// import order, replacing what it wrote before.
		seq = p.ImportSeq
	}
	return consts{sha: sha, seq: seq}, nil
}

// claim removes the earlier import of a file imported again. The table
// writer calls it when the new rows are written, before their files take
// the earlier ones' names: an import that fails before leaves the earlier
// one in place.
func (r *resolver) claim() error {
	if _, err := r.decision(); err != nil {
		return err
	}
	r.claimed.Do(func() {
		if r.previous != nil {
			r.claimErr = r.lake.Forget(r.previous.SHA256)
		}
	})
	return r.claimErr
}

// fileSHA waits for the file's sha256 (for formats that derive ids from
// it). On a read error it returns zeros: the import fails on that error.
func (r *resolver) fileSHA() string {
	sha, err := r.hashed()
	if err != nil || len(sha) != 64 {
		return strings.Repeat("0", 64)
	}
	return sha
}

// decompressFor returns a reader of the file's content, unpacking gzip and
// ZIP and choosing an XLSX sheet for the import kind and format.
//
// An XLSX sheet is streamed: rows with a cell over maxCell bytes are left out
// and recorded in rejects (nil: not recorded), which the import rejects.
func decompressFor(f *os.File, kind, format string, progress func(int), maxCell int, rejects *sheetRejects) (io.Reader, error) {
	var src io.Reader = f
	if progress != nil {
		src = &countingReader{r: f, add: progress}
	}
	br := bufio.NewReaderSize(src, 1<<16)
	magic, _ := br.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("is not a readable gzip file (%v); fetch it again, or gunzip -t it to see the damage", err)
		}
		return zr, nil
	}
	if bytes.HasPrefix(magic, []byte("PK\x03\x04")) {
		return openContainer(f, kind, format, maxCell, rejects)
	}
	return br, nil
}

// countingReader reports how many bytes pass through it.
type countingReader struct {
	r   io.Reader
	add func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(n)
	}
	return n, err
}

// xlsxMaxCell is the largest XLSX cell an import reads: the maximum record
// size of the import settings.
func xlsxMaxCell(opt *Options) int {
	if opt.MaxRecordBytes > 0 {
		return opt.MaxRecordBytes
	}
	return DefaultMaxRecordBytes
}

// closeContainer stops the stream of an XLSX sheet (or ZIP member) that
// was not read to its end.
func (rd *reader) closeContainer() {
	if rd.container != nil {
		rd.container.Close()
	}
}

// rejectSheetRows rejects the XLSX rows the sheet stream left out (a cell
// over the maximum size), at their row numbers.
func (rd *reader) rejectSheetRows() {
	for _, rj := range rd.sheet.take() {
		rd.reject(rj, nil, nil)
	}
}

// readSheet reads one more sheet of a workbook set (moreSheets) with its
// format, into the same import.
func (rd *reader) readSheet(f *os.File, p workbookPart) error {
	rd.closeContainer()
	rd.csv.Close()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	in, err := decompressFor(f, rd.opt.Kind, p.format.Name, nil, xlsxMaxCell(rd.opt), rd.sheet)
	if err != nil {
		return &FileError{File: rd.file, Msg: err.Error()}
	}
	if c, ok := in.(io.Closer); ok {
		rd.container = c
	}
	ts := newTextStream(in, rd.opt.MaxRecordBytes)
	rd.ts = ts
	br := bufio.NewReaderSize(ts, max(1<<18, ts.max+len(closeField)+2))
	rd.csv, err = newCSVRows(br, sniffPreamble(br, rd.opt.Kind, p.format.Name))
	if err != nil {
		return &FileError{File: rd.file + "[" + p.sheet + "]", Msg: err.Error()}
	}
	defer rd.csv.Close()
	rd.csv.ts = ts
	rd.csv.marked()
	if miss := rd.csv.hdr.missing(p.format.Identify...); len(miss) > 0 {
		return &FileError{File: rd.file + "[" + p.sheet + "]", Line: 1 + rd.csv.offset, Msg: fmt.Sprintf("the header lacks %s required by format %s", quoteList(miss), p.format.Name)}
	}
	rd.format, rd.formatTag, rd.lay = p.format, "", nil
	rd.sheetName, rd.returnsOnly = p.sheet, true
	rd.tzKey = "time_zones." + p.format.Name
	rd.loc = nil
	if z := rd.opt.TimeZones[p.format.Name]; z != "" {
		if rd.loc, err = time.LoadLocation(z); err != nil {
			return &FileError{File: rd.file, Msg: fmt.Sprintf("%s: unknown time zone %q; use an IANA name like America/New_York", rd.tzKey, z)}
		}
	}
	err = p.format.read(rd)
	rd.rejectSheetRows()
	return err
}
