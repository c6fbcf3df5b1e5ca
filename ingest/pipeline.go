package ingest

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"
)

// tableWriter routes the rows of one import into per-month partition files.
// The reading goroutine (the format) copies each row into a small stage per
// partition; full stages go over a channel to one writer goroutine, which
// appends them to Arrow builders and writes Parquet row groups. Parsing and
// encoding so run on two cores, and memory stays bounded: a few stages in
// flight, and at most maxPending partitions holding a partial row group
// (the least recently used is flushed early), however many months or rows a
// file spans.
type tableWriter struct {
	lake   *Lake
	sha    string
	stages map[partKey]*stage // reader side: the partitions' current stages
	tick   int64
	ch     chan *stage
	free   chan *stage
	done   chan struct{}
	err    error // the writer goroutine's first error, read after done
	closed bool

	// writer side
	parts   map[partKey]*partWriter
	lastUse map[partKey]int64
}

// partKey names one partition file of an import: table and month.
type partKey struct {
	table *Table
	month int // year*12 + month-1; -1 for unpartitioned tables
}

// stage holds up to stageRows copied rows of one partition.
type stage struct {
	key  partKey
	rows [][]Value
	n    int
	used int64
}

const (
	stageRows  = 4096
	maxStages  = 8 // reader-side stages open at once
	maxPending = 4 // writer-side partitions holding a partial row group
	inFlight   = 4 // stages queued for the writer
)

func newTableWriter(l *Lake, sha string) *tableWriter {
	tw := &tableWriter{
		lake: l, sha: sha, stages: map[partKey]*stage{},
		ch: make(chan *stage, inFlight), free: make(chan *stage, inFlight+maxStages+1), done: make(chan struct{}),
		parts: map[partKey]*partWriter{}, lastUse: map[partKey]int64{},
	}
	go tw.writeLoop()
	return tw
}

func partitionOf(r *Record) partKey {
	t := r.Table
	if t.Partition == "" {
		return partKey{table: t, month: -1}
	}
	i := t.Col(t.Partition)
	v := r.Vals[i].I
	var ts time.Time
	if t.Columns[i].Kind == Date {
		ts = time.Unix(v*86400, 0).UTC()
	} else {
		ts = time.UnixMicro(v).UTC()
	}
	return partKey{table: t, month: ts.Year()*12 + int(ts.Month()) - 1}
}

func (tw *tableWriter) path(k partKey) string {
	dir := filepath.Join(tw.lake.Dir, k.table.Name)
	if k.month >= 0 {
		dir = filepath.Join(dir, fmt.Sprintf("year=%04d", k.month/12), fmt.Sprintf("month=%02d", k.month%12+1))
	}
	return filepath.Join(dir, fileID(tw.sha)+".parquet")
}

// add copies a row into its partition's stage; the record may be reused.
func (tw *tableWriter) add(r *Record) error {
	select {
	case <-tw.done:
		if tw.err != nil {
			return tw.err
		}
		return errors.New("ingest: row added after the writer finished")
	default:
	}
	k := partitionOf(r)
	st := tw.stages[k]
	if st == nil {
		if len(tw.stages) >= maxStages {
			tw.sendOldest()
		}
		st = tw.newStage(k)
		tw.stages[k] = st
	}
	tw.tick++
	st.used = tw.tick
	copy(st.rows[st.n], r.Vals)
	st.n++
	if st.n == stageRows {
		delete(tw.stages, k)
		tw.ch <- st
	}
	return nil
}

func (tw *tableWriter) newStage(k partKey) *stage {
	select {
	case st := <-tw.free:
		if len(st.rows[0]) == len(k.table.Columns) {
			st.key, st.n = k, 0
			return st
		}
	default:
	}
	st := &stage{key: k, rows: make([][]Value, stageRows)}
	vals := make([]Value, stageRows*len(k.table.Columns))
	for i := range st.rows {
		st.rows[i] = vals[i*len(k.table.Columns) : (i+1)*len(k.table.Columns) : (i+1)*len(k.table.Columns)]
	}
	return st
}

func (tw *tableWriter) sendOldest() {
	var oldest *stage
	for _, st := range tw.stages {
		if oldest == nil || st.used < oldest.used {
			oldest = st
		}
	}
	delete(tw.stages, oldest.key)
	tw.ch <- oldest
}

// writeLoop runs on its own goroutine: it appends staged rows to the
// partition writers and keeps at most maxPending partial row groups.
func (tw *tableWriter) writeLoop() {
	defer close(tw.done)
	var tick int64
	for st := range tw.ch {
		if tw.err != nil {
			continue // drain after a failure
		}
		w := tw.parts[st.key]
		if w == nil {
			var err error
			if w, err = newPartWriter(st.key.table, tw.path(st.key)); err != nil {
				tw.err = err
				continue
			}
			tw.parts[st.key] = w
		}
		for i := 0; i < st.n && tw.err == nil; i++ {
			if err := w.addVals(st.rows[i]); err != nil {
				tw.err = err
			}
		}
		tick++
		tw.lastUse[st.key] = tick
		clear(st.rows[:st.n]) // drop string references before reuse
		select {
		case tw.free <- st:
		default:
		}
		if tw.err == nil {
			tw.err = tw.limitPending()
		}
	}
}

// limitPending flushes the least recently used partial row groups until at
// most maxPending partitions hold rows in memory.
func (tw *tableWriter) limitPending() error {
	for {
		var pending []partKey
		for k, w := range tw.parts {
			if w.pending > 0 {
				pending = append(pending, k)
			}
		}
		if len(pending) <= maxPending {
			return nil
		}
		sort.Slice(pending, func(i, j int) bool { return tw.lastUse[pending[i]] < tw.lastUse[pending[j]] })
		if err := tw.parts[pending[0]].flush(); err != nil {
			return err
		}
	}
}

// finish sends the remaining stages and waits for the writer goroutine.
func (tw *tableWriter) finish() error {
	if !tw.closed {
		tw.closed = true
		keys := make([]*stage, 0, len(tw.stages))
		for _, st := range tw.stages {
			keys = append(keys, st)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].used < keys[j].used })
		for _, st := range keys {
			tw.ch <- st
		}
		tw.stages = nil
		close(tw.ch)
	}
	<-tw.done
	return tw.err
}

// commit closes and renames every partition file, in a fixed order.
func (tw *tableWriter) commit() error {
	if err := tw.finish(); err != nil {
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
