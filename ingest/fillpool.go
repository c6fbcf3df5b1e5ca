package ingest

import (
	"runtime"
	"sync"
)

// The generic CSV formats (clicks above all: millions of rows a file) fill
// their records on several cores. The CSV parser hands batches of rows to
// fill workers, each with its own copy of the reader's caches (salted-key
// hasher, bot list, referrer hosts, URL scrubber); the import's goroutine
// takes the batches back in file order and stores their rows, or rejects
// them, one by one as the sequential path does. Which worker filled a row
// changes nothing: filling depends only on the row and the settings, so
// rows, rejects, counts and line numbers come out as they would on one
// core (TestParallelFillMatchesSequential).

// fillJob is one batch of parsed rows on its way through a fill worker.
type fillJob struct {
	b    *csvBatch
	vals []Value   // the rows' values, len(t.Columns) a row
	res  []fillRes // one per row of b
	done chan struct{}
}

// fillRes is what a worker made of one row.
type fillRes struct {
	state uint8
	rj    *Reject
}

const (
	fillOK          uint8 = iota // a record to store
	fillBadRow                   // the parser's reject (field count, UTF-8, quoting)
	fillBadCell                  // fill's reject: a cell that does not validate
	fillImplausible              // prepare's reject: times out of range (its record set)
)

// fillWorkers is how many workers fill records: one per core, none (the
// sequential path) on one core or when opt.workers says so.
func fillWorkers(opt *Options) int {
	if opt.workers != 0 {
		return opt.workers
	}
	return runtime.GOMAXPROCS(0)
}

// readGenericParallel is readGeneric's CSV loop on n workers.
func readGenericParallel(rd *reader, t *Table, plan *genericPlan, n int) error {
	ncol := len(t.Columns)
	jobs := make(chan *fillJob, 2*n)
	free := make(chan *fillJob, 2*n+1)
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wr := rd.workerCopy()
		wp := *plan
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				fillBatch(wr, &wp, t, j, ncol)
				close(j.done)
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()

	c := rd.csv
	if c.full == nil {
		c.start()
	}
	var pending []*fillJob // in file order
	eof := false
	rec := &Record{Table: t}
	for {
		// keep the workers busy: hand them batches while fewer than 2n wait
		for !eof && len(pending) < 2*n {
			var b *csvBatch
			var ok bool
			if len(pending) == 0 {
				b, ok = <-c.full
			} else {
				select {
				case b, ok = <-c.full:
				case <-pending[0].done:
					goto store
				}
			}
			if !ok {
				eof = true
				break
			}
			var j *fillJob
			select {
			case j = <-free:
			default:
				j = &fillJob{}
			}
			j.b, j.done = b, make(chan struct{})
			pending = append(pending, j)
			jobs <- j
		}
	store:
		if len(pending) == 0 {
			return nil
		}
		j := pending[0]
		pending = pending[1:]
		<-j.done
		b := j.b
		for i := range b.rows {
			row := &b.rows[i]
			var cells []string
			if row.start >= 0 {
				cells = b.cells[row.start:row.end:row.end]
			}
			switch r := j.res[i]; r.state {
			case fillBadRow, fillBadCell:
				rd.reject(*r.rj, cells, c.hdr.Raw)
			case fillImplausible:
				rd.reject(*r.rj, nil, nil)
			default:
				rec.Vals, rec.Line = j.vals[i*ncol:(i+1)*ncol], row.line
				if err := rd.store(rec); err != nil {
					return err
				}
				rd.accept(1)
			}
		}
		if b.fatal != nil {
			c.fatal = b.fatal
			return nil
		}
		select {
		case c.free <- b:
		default:
		}
		j.b = nil
		select {
		case free <- j:
		default:
		}
	}
}

// fillBatch fills the records of one batch on a worker.
func fillBatch(wr *reader, plan *genericPlan, t *Table, j *fillJob, ncol int) {
	b := j.b
	n := len(b.rows)
	if cap(j.vals) < n*ncol {
		j.vals = make([]Value, n*ncol)
	}
	j.vals = j.vals[:n*ncol]
	clear(j.vals)
	if cap(j.res) < n {
		j.res = make([]fillRes, n)
	}
	j.res = j.res[:n]
	var row *csvRow
	where := func(i int) (int, int) { return row.fieldLine(i), i + 1 }
	rec := &Record{Table: t}
	for i := range b.rows {
		row = &b.rows[i]
		if row.err != nil {
			j.res[i] = fillRes{state: fillBadRow, rj: row.err}
			continue
		}
		rec.Vals, rec.Line = j.vals[i*ncol:(i+1)*ncol], row.line
		if rj := plan.fill(wr, rec, b.cells[row.start:row.end:row.end], where); rj != nil {
			j.res[i] = fillRes{state: fillBadCell, rj: rj}
			continue
		}
		if rj := wr.prepare(rec); rj != nil {
			j.res[i] = fillRes{state: fillImplausible, rj: rj}
			continue
		}
		j.res[i] = fillRes{}
	}
}

// workerCopy returns a reader for a fill worker: the same file and settings,
// its own caches and hasher, and no writer, counts or rejects (the import's
// goroutine keeps those).
func (rd *reader) workerCopy() *reader {
	w := &reader{file: rd.file, sha: rd.sha, hashed: rd.hashed, format: rd.format, opt: rd.opt,
		hash: newHasher(rd.opt.Salt), bots: newBotMatcher(rd.opt.BotPatterns), loc: rd.loc, tzKey: rd.tzKey,
		merchant: rd.merchant, plaus: rd.plaus, formatTag: rd.formatTag}
	if rd.urls != nil {
		w.urls = newURLScrubber(rd.opt.URLParams, w.hash)
	}
	return w
}
