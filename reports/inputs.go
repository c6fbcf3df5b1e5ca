package reports

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"os"
	"reflect"
	"sort"
	"sync"
	"time"
)

// What a page is rendered from. Each report but the index is rendered by
// a renderer that holds no warehouse and no file names (renderer.page):
// everything the page shows comes from its input value below, so the
// input is, by construction, the one list of what the page reads. Write
// hashes that value (inputHasher) into the page's Inputs, and a night
// renders only the pages whose Inputs changed (Options.Unchanged).

// streamRef is what other pages show of a stream they link to.
type streamRef struct {
	ID, Title, Platform, Timezone, File string
	StartedAt                           sql.NullTime
}

// streamDirectory is every stream by id, as the merchant and statement
// pages look up the streams they name (one value, hashed once per Write).
type streamDirectory struct {
	Streams map[string]streamRef
}

// get returns the stream id names, if stream_kpis has it.
func (d *streamDirectory) get(id string) (streamRef, bool) {
	s, ok := d.Streams[id]
	return s, ok
}

// link is the file of stream id's report, "" when there is none.
func (d *streamDirectory) link(id string) string { return d.Streams[id].File }

// streamInput is what a stream page is rendered from.
type streamInput struct {
	Stream *stream
	// Experiment is the stream's experiment as the verdict reads it (id,
	// variable, control and result rows; not its other streams), nil when
	// the stream is in none with results.
	Experiment                         *experiment
	File, MerchantFile, ExperimentFile string
	HasCompliance                      bool
}

// experimentInput is what an experiment page is rendered from.
type experimentInput struct {
	Experiment *experiment
	File       string
	// StreamFiles are the report files of Experiment.Streams, in order.
	StreamFiles []string
}

// merchantInput is what a merchant page is rendered from.
type merchantInput struct {
	Merchant                            *merchant
	CSV                                 string
	Streams                             *streamDirectory
	HasCommission, HasLeaks, HasHistory bool
	// Now ends the window of recent reversals the page counts.
	Now time.Time
}

// csvInput is what a merchant's reconciliation CSV is written from.
type csvInput struct {
	Rows []redemption
}

// statementInput is what a creator's statement page is rendered from.
type statementInput struct {
	Statement *creatorStatement
	Streams   *streamDirectory
}

// streamDir builds (once) the directory of every stream.
func (r *renderer) streamDir() *streamDirectory {
	if r.dir == nil {
		r.dir = &streamDirectory{Streams: map[string]streamRef{}}
		for _, s := range r.w.streams {
			r.dir.Streams[s.ID] = streamRef{ID: s.ID, Title: s.Title, Platform: s.Platform, Timezone: s.Timezone,
				StartedAt: s.StartedAt, File: r.files.stream(s.ID)}
		}
	}
	return r.dir
}

// verdictOf is experiment e as a stream page reads it, one value per
// experiment.
func (r *renderer) verdictOf(id string) *experiment {
	e := r.w.experiment(id)
	if e == nil {
		return nil
	}
	if r.verdicts == nil {
		r.verdicts = map[string]*experiment{}
	}
	v := r.verdicts[id]
	if v == nil {
		v = &experiment{ID: e.ID, TestedVariable: e.TestedVariable, Control: e.Control, Rows: e.Rows}
		r.verdicts[id] = v
	}
	return v
}

func (r *renderer) streamIn(s *stream) streamInput {
	in := streamInput{Stream: s, Experiment: r.verdictOf(s.ExperimentID), File: r.files.stream(s.ID), HasCompliance: r.w.hasCompliance}
	if s.Merchant != "" {
		in.MerchantFile = r.files.merchant(s.Merchant)
	}
	if in.Experiment != nil {
		in.ExperimentFile = r.files.experiment(s.ExperimentID)
	}
	return in
}

func (r *renderer) experimentIn(e *experiment) experimentInput {
	in := experimentInput{Experiment: e, File: r.files.experiment(e.ID)}
	for _, s := range e.Streams {
		in.StreamFiles = append(in.StreamFiles, r.files.stream(s.ID))
	}
	return in
}

func (r *renderer) merchantIn(m *merchant) merchantInput {
	// the page reads the streams it names through Streams, not m.Streams
	// (whose minutes and baselines do not show on it)
	own := *m
	own.Streams = nil
	return merchantInput{Merchant: &own, CSV: r.files.merchantCSV(m.ID), Streams: r.streamDir(),
		HasCommission: r.w.hasCommission, HasLeaks: r.w.hasLeaks, HasHistory: r.w.hasHistory, Now: r.opt.Now}
}

func (r *renderer) statementIn(s *creatorStatement) statementInput {
	return statementInput{Statement: s, Streams: r.streamDir()}
}

// page is r for rendering one page from its input: without the warehouse
// and the file names, so a page cannot read what its input does not hold
// (doing so panics, which every test that renders the page shows).
func (r *renderer) page() *renderer {
	p := *r
	p.w, p.files, p.creators, p.dir, p.verdicts = nil, nil, nil, nil, nil
	return &p
}

// renderIdentity names, for the Inputs of every page, what renders them
// besides their input: the running program (its path, size and
// modification time: templates, bundle and formatting are built into it),
// the chart bundle and the currency setting (report.currency, shown where
// a row carries none).
func renderIdentity(opt Options) string {
	return "postlive reports\n" + programIdentity() + "\nbundle " + bundleCSP + "\ncurrency " + opt.Currency + "\n"
}

var (
	programOnce sync.Once
	programID   string
)

func programIdentity() string {
	programOnce.Do(func() {
		programID = "program unknown " + fmt.Sprint(time.Now().UnixNano()) // never equal to a recorded one
		exe, err := os.Executable()
		if err != nil {
			return
		}
		fi, err := os.Stat(exe)
		if err != nil {
			return
		}
		programID = fmt.Sprintf("program %s %d %d", exe, fi.Size(), fi.ModTime().UnixNano())
	})
	return programID
}

// inputHasher hashes page inputs: every field of a struct in order (but
// those tagged hash:"-", which a digest beside them stands for), the
// elements of slices in order, maps by sorted key, floats by their bits,
// times by instant and zone, pointers by what they point to (nil apart).
// What a pointer points to is hashed once per hasher, so the streams that
// many pages share cost once: the values must not change while it is used.
type inputHasher struct {
	memo map[ptrKey][sha256.Size]byte
}

// ptrKey names what a pointer or slice points to (n: a slice's length).
type ptrKey struct {
	t reflect.Type
	p uintptr
	n int
}

// digest buffers the small writes of inputHasher into its sha256.
type digest struct {
	h   hash.Hash
	buf []byte
}

func newDigest() *digest { return &digest{h: sha256.New(), buf: make([]byte, 0, 8192)} }

func (d *digest) Write(b []byte) {
	if len(d.buf)+len(b) > cap(d.buf) {
		d.h.Write(d.buf)
		d.buf = d.buf[:0]
		if len(b) > cap(d.buf) {
			d.h.Write(b)
			return
		}
	}
	d.buf = append(d.buf, b...)
}

func (d *digest) sum() [sha256.Size]byte {
	d.h.Write(d.buf)
	d.buf = d.buf[:0]
	var out [sha256.Size]byte
	copy(out[:], d.h.Sum(nil))
	return out
}

func newInputHasher() *inputHasher { return &inputHasher{memo: map[ptrKey][sha256.Size]byte{}} }

// sum is the hex sha256 of identity followed by v.
func (h *inputHasher) sum(identity string, v any) string {
	d := newDigest()
	d.Write([]byte(identity))
	h.write(d, reflect.ValueOf(v))
	out := d.sum()
	return hex.EncodeToString(out[:])
}

var timeType = reflect.TypeOf(time.Time{})

func (h *inputHasher) u64(w *digest, x uint64) {
	if len(w.buf)+8 > cap(w.buf) {
		w.h.Write(w.buf)
		w.buf = w.buf[:0]
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf, x)
}

func (h *inputHasher) str(w *digest, s string) {
	h.u64(w, uint64(len(s)))
	w.Write([]byte(s))
}

// sub writes what a pointer or slice points to (k) as its memoised
// digest, which fill writes.
func (h *inputHasher) sub(w *digest, k ptrKey, fill func(*digest)) {
	d, ok := h.memo[k]
	if !ok {
		sub := newDigest()
		fill(sub)
		d = sub.sum()
		h.memo[k] = d
	}
	w.Write(d[:])
}

func (h *inputHasher) write(w *digest, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		h.str(w, "invalid")
	case reflect.Pointer:
		if v.IsNil() {
			h.str(w, "nil")
			return
		}
		h.str(w, "ptr")
		h.sub(w, ptrKey{v.Type(), v.Pointer(), 0}, func(d *digest) { h.write(d, v.Elem()) })
	case reflect.Interface:
		if v.IsNil() {
			h.str(w, "nil")
			return
		}
		h.str(w, v.Elem().Type().String())
		h.write(w, v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time) // panics on an unexported time field: make it exported
			h.u64(w, uint64(t.Unix()))
			h.u64(w, uint64(t.Nanosecond()))
			h.str(w, t.Location().String())
			return
		}
		h.u64(w, uint64(v.NumField()))
		for i := range v.NumField() {
			if v.Type().Field(i).Tag.Get("hash") == "-" {
				continue // stands in the input by a digest (streamParts)
			}
			h.write(w, v.Field(i))
		}
	case reflect.Slice:
		if v.IsNil() {
			h.str(w, "nil")
			return
		}
		h.str(w, "slice")
		h.sub(w, ptrKey{v.Type(), v.Pointer(), v.Len()}, func(d *digest) { h.elems(d, v) })
	case reflect.Array:
		h.elems(w, v)
	case reflect.Map:
		keys := v.MapKeys()
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = fmt.Sprint(k.Interface())
		}
		sort.Sort(byName{keys, names})
		h.u64(w, uint64(len(keys)))
		for _, k := range keys {
			h.write(w, k)
			h.write(w, v.MapIndex(k))
		}
	case reflect.String:
		h.str(w, v.String())
	case reflect.Bool:
		if v.Bool() {
			h.u64(w, 1)
		} else {
			h.u64(w, 0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		h.u64(w, uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		h.u64(w, v.Uint())
	case reflect.Float32, reflect.Float64:
		h.u64(w, math.Float64bits(v.Float()))
	default:
		panic("reports: a page's input holds a " + v.Type().String() + ", which inputHasher cannot hash")
	}
}

func (h *inputHasher) elems(w *digest, v reflect.Value) {
	h.u64(w, uint64(v.Len()))
	for i := range v.Len() {
		h.write(w, v.Index(i))
	}
}

type byName struct {
	keys  []reflect.Value
	names []string
}

func (b byName) Len() int           { return len(b.keys) }
func (b byName) Less(i, j int) bool { return b.names[i] < b.names[j] }
func (b byName) Swap(i, j int) {
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
	b.names[i], b.names[j] = b.names[j], b.names[i]
}
