package ingest

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/postlive/postlive/lake"
)

// Init prepares the lake for imports: its folders, the sweep of what an
// interrupted command left (lake.Init), and the zero-row schema file of
// every table and of the rejects, so that SQL can read a table before
// anything was imported into it. The caller holds the workspace lock.
func Init(l *lake.Lake) error {
	if err := l.Init(); err != nil {
		return err
	}
	for _, t := range append(Tables, rejectsTable) {
		p := l.SchemaFile(t.Name)
		if schemaCurrent(p, t) {
			continue
		}
		w, err := newPartWriter(t, p)
		if err != nil {
			return err
		}
		if err := w.close(); err != nil {
			return err
		}
	}
	return nil
}

// schemaCurrent tells whether the schema file at p has exactly the columns
// of t (Init rewrites it after a table gained optional columns).
func schemaCurrent(p string, t *Table) bool {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return lake.SchemaCurrent(p, names)
}

func arrowType(k Kind) arrow.DataType {
	switch k {
	case String:
		return arrow.BinaryTypes.String
	case Int:
		return arrow.PrimitiveTypes.Int64
	case Float:
		return arrow.PrimitiveTypes.Float64
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Money:
		return &arrow.Decimal128Type{Precision: 18, Scale: 2}
	case Time:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case Date:
		return arrow.FixedWidthTypes.Date32
	}
	panic("unknown kind")
}

// ArrowSchema returns the Arrow schema of a table.
func ArrowSchema(t *Table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Kind), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

var tableProps sync.Map // *Table → *parquet.WriterProperties

// writerProps are the Parquet settings of a table: snappy, and dictionary
// encoding only for text columns whose values repeat (platforms, codes, URLs,
// statuses). Ids, keys, numbers and times are written plain: hashing them into
// a dictionary that overflows costs time and saves nothing.
func writerProps(t *Table) *parquet.WriterProperties {
	if p, ok := tableProps.Load(t); ok {
		return p.(*parquet.WriterProperties)
	}
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(1 << 20),
		parquet.WithCreatedBy("postlive"),
	}
	for _, c := range t.Columns {
		if c.Kind == String && !c.Unique {
			opts = append(opts, parquet.WithDictionaryFor(c.Name, true))
		}
	}
	p := parquet.NewWriterProperties(opts...)
	tableProps.Store(t, p)
	return p
}

// partWriter writes one Parquet file of one table, a row group per batch.
type partWriter struct {
	table *Table
	lay   *layout
	final string
	f     *lake.File
	fw    *pqarrow.FileWriter
	rows  int
	own   *batch             // rows given one by one (add)
	dicts []map[string]int32 // per column, reused to build dictionaries
}

// newPartWriter starts the file final (see lake.File: a full disk makes
// close fail naming final, and leaves nothing behind).
func newPartWriter(t *Table, final string) (*partWriter, error) {
	f, err := lake.Create(final)
	if err != nil {
		return nil, err
	}
	lay := layoutOf(t)
	fw, err := pqarrow.NewFileWriter(lay.schema, f, writerProps(t), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Abort()
		return nil, fmt.Errorf("create parquet %s: %w", final, err)
	}
	return &partWriter{table: t, lay: lay, final: final, f: f, fw: fw, dicts: make([]map[string]int32, len(t.Columns))}, nil
}

// add appends one row of a table without lineage columns (the manifest, the
// rejects); rows of canonical tables come in batches (write).
func (w *partWriter) add(r *Record) error {
	if w.lay.sha >= 0 || w.lay.seq >= 0 {
		return fmt.Errorf("ingest: rows of %s need their lineage; write them in batches", w.table.Name)
	}
	if w.own == nil {
		w.own = newBatch(w.lay)
	}
	w.own.add(r.Vals)
	if w.own.full() {
		return w.flush()
	}
	return nil
}

// write writes a batch as one row group, with the import's lineage values,
// column by column: text that repeats goes in as a dictionary array, the
// rest as the batch's own buffers. The file's Arrow schema stays the plain
// one (ArrowSchema); the Parquet columns are the same either way.
func (w *partWriter) write(b *batch, k *consts) error {
	if b.n == 0 {
		return nil
	}
	w.rows += b.n
	w.fw.NewRowGroup()
	l := b.lay
	for i := range b.cols {
		var arr arrow.Array
		switch {
		case i == l.sha:
			arr = constDict(k.sha, b.n)
		case i == l.seq:
			arr = constInt64(k.seq, b.n)
		case l.dict[i] && l.sha >= 0:
			if w.dicts[i] == nil {
				w.dicts[i] = make(map[string]int32, 64)
			}
			arr = b.dictColumn(i, w.dicts[i])
		}
		if arr == nil {
			arr = b.column(i)
		}
		err := w.fw.WriteColumnData(arr)
		arr.Release()
		if err != nil {
			return fmt.Errorf("write parquet %s: %w", w.final, err)
		}
	}
	return nil
}

// flush writes the rows given by add.
func (w *partWriter) flush() error {
	if w.own == nil || w.own.n == 0 {
		return nil
	}
	err := w.write(w.own, nil)
	w.own.dropText()
	w.own.reset()
	return err
}

// close flushes, syncs and renames the file into place.
func (w *partWriter) close() error {
	err := w.flush()
	if cerr := w.fw.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close parquet %s: %w", w.final, cerr)
	}
	if err != nil {
		w.f.Abort()
		return err
	}
	return w.f.Commit()
}

func (w *partWriter) abort() {
	w.fw.Close()
	w.f.Abort()
}

// rejectsTable describes the rejects file of an imported file.
var rejectsTable = newBareTable(lake.Rejects, []string{"sha256", "line", "column"}, "",
	req("sha256", String), req("file_name", String), req("line", Int), req("column", Int),
	opt("field", String), opt("value", String), req("reason", String), opt("hint", String), opt("record", String))

// writeRejects writes the rejects of an import, those held and then those
// spilled (spill may be nil), to its file in lake/_rejects.
func writeRejects(l *lake.Lake, sha, name string, rejects []Reject, spill *rejectSpill) error {
	w, err := newPartWriter(rejectsTable, l.RejectsFile(sha))
	if err != nil {
		return err
	}
	r := NewRecord(rejectsTable)
	add := func(rj Reject) error {
		r.Reset()
		r.SetString("sha256", sha)
		r.SetString("file_name", name)
		r.SetInt("line", int64(rj.Line))
		r.SetInt("column", int64(rj.Column))
		r.SetString("field", rj.Field)
		r.SetString("value", rj.Value)
		r.SetString("reason", rj.What)
		r.SetString("hint", rj.Hint)
		r.SetString("record", rj.Record)
		return w.add(r)
	}
	for _, rj := range rejects {
		if err := add(rj); err != nil {
			w.abort()
			return err
		}
	}
	if spill != nil {
		if err := spill.each(add); err != nil {
			w.abort()
			return err
		}
	}
	return w.close()
}

// readRows reads a small Parquet file of table t into values (the plan's
// streams for matching platform sessions; lake tables are read by DuckDB).
func readRows(ctx context.Context, path string, t *Table) ([][]Value, error) {
	tbl, err := lake.ReadTable(ctx, path)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	n := int(tbl.NumRows())
	out := make([][]Value, n)
	for i := range out {
		out[i] = make([]Value, len(t.Columns))
	}
	for ci, c := range t.Columns {
		idx := tbl.Schema().FieldIndices(c.Name)
		if len(idx) == 0 {
			continue
		}
		row := 0
		for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
			for j := 0; j < chunk.Len(); j++ {
				if chunk.IsNull(j) {
					row++
					continue
				}
				v := &out[row][ci]
				v.Valid = true
				switch a := chunk.(type) {
				case *array.String:
					v.S = a.Value(j)
				case *array.Int64:
					v.I = a.Value(j)
				case *array.Timestamp:
					v.I = int64(a.Value(j))
				case *array.Float64:
					v.I = int64(math.Float64bits(a.Value(j)))
				case *array.Boolean:
					v.B = a.Value(j)
				case *array.Date32:
					v.I = int64(a.Value(j))
				case *array.Decimal128:
					v.I = int64(a.Value(j).LowBits())
				}
				row++
			}
		}
	}
	return out, nil
}
