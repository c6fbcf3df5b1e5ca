package ingest

import (
	"errors"
	"sort"
	"sync/atomic"
	"time"

	"github.com/postlive/postlive/lake"
)

// tableWriter routes the rows of one import into per-month partition files.
// The reading goroutine (the format) appends each row to the open batch of
// its partition, column by column as Arrow lays them out; full batches go
// over a channel to one writer goroutine, which wraps each column in an
// Arrow array and writes the batch as a Parquet row group. Validating and
// encoding so run on separate cores, and memory stays bounded: at most
// maxOpen partitions hold a partial batch (the least recently used is sent
// early, as a shorter row group) and inFlight batches wait for the writer,
// however many months or rows a file spans.
//
// The writer creates no file before resolve has told it the file's sha256
// and import sequence (the file is hashed while it is parsed, see Import);
// until then the reader runs ahead by the batches in flight, hashAhead more
// than later: hashing competes for the cores with the parse, so the hash
// of a large file may come well after the first batch. When resolve
// finds the file already imported, the writer stops and add returns
// errSkipped. Files are written under temporary names; commit calls claim
// (which forgets an earlier import of the same file) just before it renames
// them into place.
type tableWriter struct {
	lake    *lake.Lake
	resolve func() (consts, error)
	claim   func() error
	open    map[partKey]*batch // reader side: the partitions' open batches
	last    *batch             // the batch the previous row went to
	month   monthCache
	tick    int64
	ch      chan *batch
	slots   chan struct{} // a token per batch that may be on its way to the writer
	free    chan *batch
	done    chan struct{}
	failed  atomic.Bool // set by the writer goroutine after it set err
	err     error       // the writer goroutine's first error
	closed  bool

	// writer side
	k        consts
	resolved bool
	retired  int // slots taken out of use since resolve (up to hashAhead)
	parts    map[partKey]*partWriter
}

// partKey names one partition file of an import: table and month.
type partKey struct {
	table *Table
	month int // year*12 + month-1; -1 for unpartitioned tables
}

const (
	maxOpen  = 4 // partitions holding a partial batch at once
	inFlight = 2 // batches queued for the writer
	// hashAhead more batches may queue before the writer knows the file's
	// sha256 (it writes nothing until then): a few batches of text beside
	// the import's other buffers, under its soft memory limit
	hashAhead = 4
)

// errSkipped stops the import of a file that the manifest already holds.
var errSkipped = errors.New("ingest: file already imported")

func newTableWriter(l *lake.Lake, resolve func() (consts, error), claim func() error) *tableWriter {
	tw := &tableWriter{
		lake: l, resolve: resolve, claim: claim, open: map[partKey]*batch{},
		ch: make(chan *batch, inFlight+hashAhead), slots: make(chan struct{}, inFlight+1+hashAhead),
		free: make(chan *batch, inFlight+hashAhead+maxOpen+1), done: make(chan struct{}),
		parts: map[partKey]*partWriter{},
	}
	for i := 0; i < cap(tw.slots); i++ { // inFlight queued and one being written, hashAhead more until resolve
		tw.slots <- struct{}{}
	}
	go tw.writeLoop()
	return tw
}

// monthCache remembers the month of the previous row's partition column.
type monthCache struct {
	table  *Table
	lo, hi int64 // the month's first and past-the-last value
	month  int
}

func (tw *tableWriter) partitionOf(r *Record, l *layout) partKey {
	t := r.Table
	if l.part < 0 {
		return partKey{table: t, month: -1}
	}
	v := r.Vals[l.part].I
	c := &tw.month
	if c.table == t && v >= c.lo && v < c.hi {
		return partKey{table: t, month: c.month}
	}
	day := t.Columns[l.part].Kind == Date
	ts := time.UnixMicro(v).UTC()
	if day {
		ts = time.Unix(v*86400, 0).UTC()
	}
	start := time.Date(ts.Year(), ts.Month(), 1, 0, 0, 0, 0, time.UTC)
	next := start.AddDate(0, 1, 0)
	if day {
		c.lo, c.hi = start.Unix()/86400, next.Unix()/86400
	} else {
		c.lo, c.hi = start.UnixMicro(), next.UnixMicro()
	}
	c.table, c.month = t, ts.Year()*12+int(ts.Month())-1
	return partKey{table: t, month: c.month}
}

func (tw *tableWriter) path(k partKey) string {
	return tw.lake.DataFile(k.table.Name, k.month, tw.k.sha)
}

// add appends a row to its partition's batch; the record may be reused.
func (tw *tableWriter) add(r *Record) error {
	if tw.failed.Load() {
		return tw.err
	}
	if tw.closed {
		return errors.New("ingest: row added after the writer finished")
	}
	b := tw.last
	var l *layout
	if b != nil && b.lay.table == r.Table {
		l = b.lay
	} else {
		l = layoutOf(r.Table)
	}
	k := tw.partitionOf(r, l)
	if b == nil || b.key != k {
		b = tw.open[k]
		if b == nil {
			if len(tw.open) >= maxOpen {
				tw.sendOldest()
			}
			b = tw.newBatch(l, k)
			tw.open[k] = b
		}
		tw.last = b
	}
	tw.tick++
	b.used = tw.tick
	b.add(r.Vals)
	if b.full() {
		tw.send(b)
	}
	return nil
}

func (tw *tableWriter) newBatch(l *layout, k partKey) *batch {
	select {
	case b := <-tw.free:
		if b.lay == l {
			b.reset()
			b.key = k
			return b
		}
	default:
	}
	b := newBatch(l)
	b.key = k
	return b
}

func (tw *tableWriter) send(b *batch) {
	delete(tw.open, b.key)
	if tw.last == b {
		tw.last = nil
	}
	<-tw.slots
	tw.ch <- b
}

func (tw *tableWriter) sendOldest() {
	var oldest *batch
	for _, b := range tw.open {
		if oldest == nil || b.used < oldest.used {
			oldest = b
		}
	}
	tw.send(oldest)
}

// writeLoop runs on its own goroutine: it writes each batch as a row group
// of its partition's file.
func (tw *tableWriter) writeLoop() {
	defer close(tw.done)
	for b := range tw.ch {
		if tw.err == nil { // else drain after a failure
			if err := tw.write(b); err != nil {
				tw.err = err
				tw.failed.Store(true)
			}
			b.written()
			select {
			case tw.free <- b:
			default:
			}
		}
		if tw.resolved && tw.err == nil && tw.retired < hashAhead {
			tw.retired++ // back to inFlight once the hash is known
		} else {
			tw.slots <- struct{}{}
		}
	}
}

func (tw *tableWriter) write(b *batch) error {
	if err := tw.resolveOnce(); err != nil {
		return err
	}
	w := tw.parts[b.key]
	if w == nil {
		var err error
		if w, err = newPartWriter(b.key.table, tw.path(b.key)); err != nil {
			return err
		}
		tw.parts[b.key] = w
	}
	return w.write(b, &tw.k)
}

func (tw *tableWriter) resolveOnce() error {
	if !tw.resolved {
		tw.resolved = true
		var err error
		if tw.k, err = tw.resolve(); err != nil {
			return err
		}
	}
	return nil
}

// finish sends the remaining batches and waits for the writer goroutine.
func (tw *tableWriter) finish() error {
	if !tw.closed {
		tw.closed = true
		rest := make([]*batch, 0, len(tw.open))
		for _, b := range tw.open {
			rest = append(rest, b)
		}
		sort.Slice(rest, func(i, j int) bool { return rest[i].used < rest[j].used })
		for _, b := range rest {
			<-tw.slots
			tw.ch <- b
		}
		tw.open, tw.last = nil, nil
		close(tw.ch)
	}
	<-tw.done
	return tw.err
}

// commit closes and renames every partition file, in a fixed order.
func (tw *tableWriter) commit() error {
	err := tw.finish()
	if err == nil {
		err = tw.resolveOnce() // a file without rows is checked too
	}
	if err == nil && tw.claim != nil {
		err = tw.claim()
	}
	if err != nil {
		tw.abortParts()
		return err
	}
	paths := make([]string, 0, len(tw.parts))
	byPath := map[string]*partWriter{}
	for k, w := range tw.parts {
		p := tw.path(k)
		paths = append(paths, p)
		byPath[p] = w
	}
	sort.Strings(paths)
	var errs []error
	for _, p := range paths {
		if err := byPath[p].close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (tw *tableWriter) abort() {
	tw.finish()
	tw.abortParts()
}

func (tw *tableWriter) abortParts() {
	for _, w := range tw.parts {
		w.abort()
	}
	tw.parts = map[partKey]*partWriter{}
}
