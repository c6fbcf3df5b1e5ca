package ingest

import (
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// batch holds up to batchRows rows of one table column by column, in the
// memory layout of Arrow arrays (a validity bitmap, fixed-width values or
// offsets and bytes), so that writing it wraps the buffers in Arrow arrays
// instead of appending value by value. A batch becomes one Parquet row group.
//
// The lineage columns that are the same for every row of an import
// (source_sha256, import_seq) are not stored per row: the writer fills them
// (partWriter.write), as it alone knows them once the file's hash is checked.
type batch struct {
	lay   *layout
	key   partKey // the partition the rows belong to (tableWriter)
	n     int
	bytes int   // text bytes held
	used  int64 // when a row was last added (tableWriter's clock)
	cols  []colBuf
}

// colBuf is one column of a batch. Which fields are used depends on the
// column's Kind.
type colBuf struct {
	valid []byte // validity bitmap: bit i set when row i is not NULL
	nulls int
	i64   []int64          // Int, Time (µs), Float (IEEE 754 bits)
	i32   []int32          // Date (days)
	dec   []decimal128.Num // Money (cents at scale 2)
	bits  []byte           // Bool values, a bitmap
	offs  []int32          // String: len n+1, offsets into data
	data  []byte           // String bytes
}

const (
	// batchRows is how many rows a batch (and so a Parquet row group) holds:
	// memory is bounded by it, not by the file size.
	batchRows = 32 * 1024
	// batchBytes closes a batch early when its text reaches this size (rows
	// of long free text).
	batchBytes = 48 << 20
)

// layout is what writing a table's rows needs, computed once per table.
type layout struct {
	table  *Table
	schema *arrow.Schema
	// column indices by how their values are stored; the constant lineage
	// columns are in none of them
	strs, ints, dates, moneys, bools []int
	sha, seq                         int    // source_sha256 and import_seq, -1 when the table has none
	line, format                     int    // source_line and source_format, -1 when the table has none
	dict                             []bool // text columns whose values repeat: written through a dictionary
	part                             int    // the partition column, -1 when not partitioned
	// textHint is, per text column, how many bytes a full batch would have
	// held at the rate of the last batch written (a batch written early, with
	// fewer rows, counts at its rate per row): a new batch reserves that much
	// (and an eighth) instead of growing its buffer from nothing by doubling,
	// copying as it goes
	textHint []atomic.Int64
}

var layouts sync.Map // *Table → *layout

func layoutOf(t *Table) *layout {
	if l, ok := layouts.Load(t); ok {
		return l.(*layout)
	}
	l := &layout{table: t, schema: ArrowSchema(t), sha: -1, seq: -1, line: -1, format: -1, part: -1}
	col := func(name string, k Kind) int {
		if i, ok := t.index[name]; ok && t.Columns[i].Kind == k {
			return i
		}
		return -1
	}
	if l.sha = col("source_sha256", String); l.sha >= 0 { // a table with lineage columns
		l.seq = col("import_seq", Int)
		l.line, l.format = col("source_line", Int), col("source_format", String)
	}
	if t.Partition != "" {
		l.part = t.Col(t.Partition)
	}
	l.dict = make([]bool, len(t.Columns))
	l.textHint = make([]atomic.Int64, len(t.Columns))
	for i, c := range t.Columns {
		l.dict[i] = c.Kind == String && !c.Unique
		if i == l.sha || i == l.seq {
			continue
		}
		switch c.Kind {
		case String:
			l.strs = append(l.strs, i)
		case Int, Time, Float:
			l.ints = append(l.ints, i)
		case Date:
			l.dates = append(l.dates, i)
		case Money:
			l.moneys = append(l.moneys, i)
		case Bool:
			l.bools = append(l.bools, i)
		}
	}
	got, _ := layouts.LoadOrStore(t, l)
	return got.(*layout)
}

// textCap is how many bytes a new buffer of text column i reserves.
func (l *layout) textCap(i int) int {
	h := int(l.textHint[i].Load())
	return h + h/8
}

func newBatch(l *layout) *batch {
	b := &batch{lay: l, cols: make([]colBuf, len(l.table.Columns))}
	for i := range b.cols {
		c := &b.cols[i]
		if i == l.sha || i == l.seq {
			continue
		}
		c.valid = make([]byte, batchRows/8)
		switch l.table.Columns[i].Kind {
		case String:
			c.offs = make([]int32, 1, batchRows+1)
			c.data = make([]byte, 0, l.textCap(i))
		case Int, Time, Float:
			c.i64 = make([]int64, batchRows)
		case Date:
			c.i32 = make([]int32, batchRows)
		case Money:
			c.dec = make([]decimal128.Num, batchRows)
		case Bool:
			c.bits = make([]byte, batchRows/8)
		}
	}
	return b
}

// written records, once the batch is written, how many text bytes its
// columns held (for the next new batch's buffers). Nothing the Parquet
// writer keeps refers to the batch afterwards (partWriter.write closes the
// row group, and with it the statistics that pointed at the batch's text),
// so every buffer is reused.
func (b *batch) written() {
	if b.n == 0 {
		return
	}
	for _, i := range b.lay.strs {
		b.lay.textHint[i].Store(min(int64(len(b.cols[i].data))*batchRows/int64(b.n), batchBytes))
	}
}

// reset empties the batch for reuse.
func (b *batch) reset() {
	b.n, b.bytes = 0, 0
	for _, i := range b.lay.strs {
		c := &b.cols[i]
		c.offs = c.offs[:1]
		c.data = c.data[:0]
	}
	for i := range b.cols {
		c := &b.cols[i]
		clear(c.valid)
		c.nulls = 0
	}
}

// add appends a row. The caller checks that the batch is not full.
func (b *batch) add(vals []Value) {
	i := b.n
	byteI, bit := i>>3, byte(1)<<(i&7)
	l := b.lay
	for _, ci := range l.strs {
		v, c := &vals[ci], &b.cols[ci]
		if v.Valid {
			c.valid[byteI] |= bit
			c.data = append(c.data, v.S...)
			b.bytes += len(v.S)
		} else {
			c.nulls++
		}
		c.offs = append(c.offs, int32(len(c.data)))
	}
	for _, ci := range l.ints {
		v, c := &vals[ci], &b.cols[ci]
		if v.Valid {
			c.valid[byteI] |= bit
			c.i64[i] = v.I
		} else {
			c.i64[i] = 0
			c.nulls++
		}
	}
	for _, ci := range l.dates {
		v, c := &vals[ci], &b.cols[ci]
		if v.Valid {
			c.valid[byteI] |= bit
			c.i32[i] = int32(v.I)
		} else {
			c.i32[i] = 0
			c.nulls++
		}
	}
	for _, ci := range l.moneys {
		v, c := &vals[ci], &b.cols[ci]
		if v.Valid {
			c.valid[byteI] |= bit
			c.dec[i] = decimal128.FromI64(v.I)
		} else {
			c.dec[i] = decimal128.Num{}
			c.nulls++
		}
	}
	for _, ci := range l.bools {
		v, c := &vals[ci], &b.cols[ci]
		if v.Valid {
			c.valid[byteI] |= bit
		} else {
			c.nulls++
		}
		if v.Valid && v.B {
			c.bits[byteI] |= bit
		} else {
			c.bits[byteI] &^= bit
		}
	}
	b.n++
}

// full tells whether the batch should be written now.
func (b *batch) full() bool { return b.n == batchRows || b.bytes >= batchBytes }

// consts are the import-wide lineage values the writer fills in.
type consts struct {
	sha string
	seq int64
}

// column wraps column i of the batch in an Arrow array without copying:
// the array refers to the batch, which must not be reset before the array
// is written.
func (b *batch) column(i int) arrow.Array {
	l, c, n := b.lay, &b.cols[i], b.n
	var valid *memory.Buffer
	if c.nulls > 0 {
		valid = memory.NewBufferBytes(c.valid[:bitmapLen(n)])
	}
	var bufs []*memory.Buffer
	switch l.table.Columns[i].Kind {
	case String:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(c.offs[:n+1])), memory.NewBufferBytes(c.data)}
	case Int, Time, Float:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(c.i64[:n]))}
	case Date:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(c.i32[:n]))}
	case Money:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Decimal128Traits.CastToBytes(c.dec[:n]))}
	case Bool:
		bufs = []*memory.Buffer{valid, memory.NewBufferBytes(c.bits[:bitmapLen(n)])}
	}
	data := array.NewData(l.schema.Field(i).Type, n, bufs, nil, c.nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// dictColumn returns text column i as an Arrow dictionary array (int32
// indices into the distinct values), built with the map m, which it clears
// first; nil when the values hardly repeat. Parquet's dictionary encoding
// then takes the dictionary and the indices as they are, instead of hashing
// every value again.
func (b *batch) dictColumn(i int, m map[string]int32) arrow.Array {
	c, n := &b.cols[i], b.n
	if c.nulls == n {
		return nil
	}
	clear(m)
	idx := make([]int32, n)
	doffs := make([]int32, 1, 64)
	var ddata []byte
	limit := max(n/2, 1024) // more distinct values than this: not worth a dictionary
	var prev []byte         // the value of the last row looked up, its index prevJ: values repeat row after row
	prevJ := int32(-1)
	for r := 0; r < n; r++ {
		if c.nulls > 0 && c.valid[r>>3]&(1<<(r&7)) == 0 {
			continue // a NULL: index 0, never read
		}
		v := c.data[c.offs[r]:c.offs[r+1]]
		if prevJ >= 0 && string(v) == string(prev) {
			idx[r] = prevJ
			continue
		}
		j, ok := m[string(v)]
		if !ok {
			if len(m) == limit {
				return nil
			}
			j = int32(len(m))
			ddata = append(ddata, v...)
			doffs = append(doffs, int32(len(ddata)))
			m[string(v)] = j
		}
		idx[r] = j
		prev, prevJ = v, j
	}
	var valid *memory.Buffer
	if c.nulls > 0 {
		valid = memory.NewBufferBytes(c.valid[:bitmapLen(n)])
	}
	dict := array.NewData(arrow.BinaryTypes.String, len(m), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(doffs)), memory.NewBufferBytes(ddata)}, nil, 0, 0)
	defer dict.Release()
	ind := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(idx))}, nil, c.nulls, 0)
	defer ind.Release()
	d := array.NewData(dictString, n, ind.Buffers(), nil, c.nulls, 0)
	d.SetDictionary(dict)
	defer d.Release()
	return array.MakeFromData(d)
}

var dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

func bitmapLen(n int) int { return (n + 7) / 8 }

// constString returns a text array of n copies of s.
func constString(s string, n int) arrow.Array {
	offs := make([]int32, n+1)
	data := make([]byte, 0, n*len(s))
	for i := 0; i < n; i++ {
		data = append(data, s...)
		offs[i+1] = int32(len(data))
	}
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offs)), memory.NewBufferBytes(data)}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// constDict returns a text array of n copies of s as a dictionary of one value.
func constDict(s string, n int) arrow.Array {
	dict := constString(s, 1)
	defer dict.Release()
	ind := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{nil, memory.NewBufferBytes(make([]byte, 4*n))}, nil, 0, 0)
	defer ind.Release()
	d := array.NewData(dictString, n, ind.Buffers(), nil, 0, 0)
	d.SetDictionary(dict.Data())
	defer d.Release()
	return array.MakeFromData(d)
}

// constInt64 returns an integer array of n copies of v.
func constInt64(v int64, n int) arrow.Array {
	vals := make([]int64, n)
	for i := range vals {
		vals[i] = v
	}
	d := array.NewData(arrow.PrimitiveTypes.Int64, n, []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(vals))}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}
