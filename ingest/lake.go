package ingest

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/metadata"
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
//
// It drives Parquet's column writers itself rather than through
// pqarrow.FileWriter, with what pqarrow would do for these flat columns:
// the same schema, key-value metadata and column writes (the file's bytes
// are the same, TestPartWriterBytesAsPqarrow), less two costs of the
// general path. The definition levels (every column is nullable, none
// nested: 1 for a value, 0 for a NULL) come from the batch's validity
// bitmap into a reused buffer, and a dictionary column's statistics are
// taken from its dictionary as it is: pqarrow first looks for the entries
// the indices use (a hash of every index), but dictColumn puts only values
// of the batch's rows in a dictionary, so every entry is used.
type partWriter struct {
	table  *Table
	lay    *layout
	final  string
	f      *lake.File
	fw     *file.Writer
	rgw    file.SerialRowGroupWriter
	wctx   context.Context // pqarrow's write context (its buffers), for dense columns
	rows   int
	own    *batch             // rows given one by one (add)
	dicts  []map[string]int32 // per column, reused to build dictionaries
	levels []int16            // definition levels of the column being written, reused
}

// arrowWriterProps are pqarrow's settings of every lake file: the Arrow
// schema stored in the file's metadata.
var arrowWriterProps = pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())

// newPartWriter starts the file final (see lake.File: a full disk makes
// close fail naming final, and leaves nothing behind).
func newPartWriter(t *Table, final string) (*partWriter, error) {
	f, err := lake.Create(final)
	if err != nil {
		return nil, err
	}
	lay := layoutOf(t)
	props := writerProps(t)
	// as pqarrow.NewFileWriter makes its file.Writer
	pqschema, err := pqarrow.ToParquet(lay.schema, props, arrowWriterProps)
	if err != nil {
		f.Abort()
		return nil, fmt.Errorf("create parquet %s: %w", final, err)
	}
	meta := make(metadata.KeyValueMetadata, 0)
	for i := 0; i < lay.schema.Metadata().Len(); i++ {
		meta.Append(lay.schema.Metadata().Keys()[i], lay.schema.Metadata().Values()[i])
	}
	meta.Append("ARROW:schema", base64.StdEncoding.EncodeToString(flight.SerializeSchema(lay.schema, props.Allocator())))
	fw := file.NewParquetWriter(f, pqschema.Root(), file.WithWriterProps(props), file.WithWriteMetadata(meta))
	aprops := arrowWriterProps // the write context keeps a pointer: its own copy
	return &partWriter{table: t, lay: lay, final: final, f: f, fw: fw, wctx: pqarrow.NewArrowWriteContext(context.TODO(), &aprops),
		dicts: make([]map[string]int32, len(t.Columns))}, nil
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
	w.rgw = w.fw.AppendRowGroup()
	for i := range b.cols {
		arr := b.arrowColumn(i, k, w.dicts)
		err := w.writeColumn(arr)
		arr.Release()
		if err != nil {
			return fmt.Errorf("write parquet %s: %w", w.final, err)
		}
	}
	// closed now, not when the next row group starts: the last column's
	// statistics point at the batch's text until its column closes, and
	// the batch is reused once write returns
	err := w.rgw.Close()
	w.rgw = nil
	if err != nil {
		return fmt.Errorf("write parquet %s: %w", w.final, err)
	}
	return nil
}

// arrowColumn is column i of the batch as the lake file holds it: the
// import's lineage values (sha256, import_seq) filled in, text that repeats
// as a dictionary array (dicts keeps each column's dictionary across the
// file's batches), the rest as the batch's own buffers.
func (b *batch) arrowColumn(i int, k *consts, dicts []map[string]int32) arrow.Array {
	l := b.lay
	switch {
	case i == l.sha:
		return constDict(k.sha, b.n)
	case i == l.seq:
		return constInt64(k.seq, b.n)
	case l.dict[i] && l.sha >= 0:
		if dicts[i] == nil {
			dicts[i] = make(map[string]int32, 64)
		}
		if arr := b.dictColumn(i, dicts[i]); arr != nil {
			return arr
		}
	}
	return b.column(i)
}

// writeColumn writes arr as the row group's next column.
func (w *partWriter) writeColumn(arr arrow.Array) error {
	cw, err := w.rgw.NextColumn()
	if err != nil {
		return err
	}
	defLevels := w.defLevels(arr)
	if d, ok := arr.(*array.Dictionary); ok {
		if done, err := writeDictColumn(cw, d, defLevels); done || err != nil {
			return err
		}
	}
	return pqarrow.WriteArrowToColumn(w.wctx, cw, arr, defLevels, nil, true)
}

// defLevels returns the definition levels of a flat nullable column: 1
// where arr has a value, 0 where it is NULL.
func (w *partWriter) defLevels(arr arrow.Array) []int16 {
	n := arr.Len()
	if cap(w.levels) < n {
		w.levels = make([]int16, n)
	}
	lv := w.levels[:n]
	if arr.NullN() == 0 {
		for i := range lv {
			lv[i] = 1
		}
		return lv
	}
	for i := range lv {
		if arr.IsValid(i) {
			lv[i] = 1
		} else {
			lv[i] = 0
		}
	}
	return lv
}

// dictWriter is what a dictionary column's Parquet encoder offers to take
// an Arrow dictionary as it is (pqarrow's path does the same).
type dictWriter interface {
	Encoding() parquet.Encoding
	PutDictionary(arrow.Array) error
	NumEntries() int
	PreservedDictionary() arrow.Array
}

// writeDictColumn writes a dictionary array whose every entry is used by
// its indices (dictColumn) as pqarrow's writeDictionaryArrow writes it on
// a new column chunk: the dictionary into the encoder, the statistics from
// the dictionary, then the indices. done is false when the column writer
// is not in that state (no dictionary encoding, a dictionary already set,
// or entries that Parquet's dictionary merged): the caller then writes the
// column through pqarrow.
func writeDictColumn(cw file.ColumnChunkWriter, d *array.Dictionary, defLevels []int16) (done bool, err error) {
	enc, ok := cw.CurrentEncoder().(dictWriter)
	if !ok || enc.Encoding() != parquet.Encodings.PlainDict || enc.PreservedDictionary() != nil {
		return false, nil
	}
	dict, indices := d.Dictionary(), d.Indices()
	stats := cw.PageStatistics()
	if err := enc.PutDictionary(dict); err != nil {
		return true, err
	}
	if enc.NumEntries() != dict.Len() {
		// duplicates in the dictionary: pqarrow falls back to plain
		// encoding and writes the values (as the caller does next)
		cw.FallbackToPlain()
		return false, nil
	}
	if stats != nil {
		nonNull := indices.Len() - indices.NullN()
		stats.IncNulls(int64(len(defLevels) - nonNull))
		stats.IncNumValues(int64(nonNull))
		if err := stats.UpdateFromArrow(dict, false); err != nil {
			return true, err
		}
	}
	return true, cw.WriteDictIndices(indices, defLevels, nil)
}

// flush writes the rows given by add.
func (w *partWriter) flush() error {
	if w.own == nil || w.own.n == 0 {
		return nil
	}
	err := w.write(w.own, nil)
	w.own.written()
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
