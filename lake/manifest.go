package lake

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// Entry is the manifest entry of one imported file. A file whose sha256 is
// in the manifest counts; RowsRead = RowsAccepted + RowsRejected.
type Entry struct {
	SHA256       string
	FileName     string
	Kind         string
	Format       string
	Tables       string // the tables it wrote rows into, comma-separated
	MerchantID   string
	RowsRead     int64
	RowsAccepted int64
	RowsRejected int64
	RowsWritten  int64
	ImportSeq    int64
	ImportedAt   time.Time
	ConfigKey    string // the import settings it was read with (ingest.Options.ConfigKey)
	// Status is "" for a file read to its end, else why reading stopped
	// early ("partial: unexpected EOF at line 1234"): the rows before that
	// point were imported, the end is one rejected row.
	Status string
}

// manifestSchema is the manifest's Parquet schema (empty text is NULL).
var manifestSchema = arrow.NewSchema([]arrow.Field{
	{Name: "sha256", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "file_name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "kind", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "format", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "tables", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "merchant_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "rows_read", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "rows_accepted", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "rows_rejected", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "rows_written", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "import_seq", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "imported_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "config_key", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// ManifestSchema is the Arrow schema of the manifest's Parquet files.
func ManifestSchema() *arrow.Schema { return manifestSchema }

// WriteParquet writes the records (nil: none, a schema file) as the Parquet
// file final, snappy-compressed, atomically (see File).
func WriteParquet(final string, schema *arrow.Schema, recs ...arrow.Record) error {
	f, err := Create(final)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithCreatedBy("postlive"))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", final, err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			f.Fail(err)
			break
		}
	}
	if err := w.Close(); err != nil {
		f.Fail(err)
	}
	return f.Commit()
}

// writeManifestSchema writes the manifest's zero-row schema file, so that
// SQL can read the manifest before anything was imported.
func (l *Lake) writeManifestSchema() error {
	p := l.SchemaFile(Manifest)
	names := make([]string, len(manifestSchema.Fields()))
	for i, f := range manifestSchema.Fields() {
		names[i] = f.Name
	}
	if SchemaCurrent(p, names) {
		return nil
	}
	return WriteParquet(p, manifestSchema)
}

// SchemaCurrent tells whether the zero-row schema file at p has exactly the
// columns named, so that it is rewritten after a table gained optional
// columns (SQL selects them even before any file carries them).
func SchemaCurrent(p string, columns []string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	pr, err := file.NewParquetReader(f)
	if err != nil {
		return false
	}
	defer pr.Close()
	sc := pr.MetaData().Schema
	if sc.NumColumns() != len(columns) {
		return false
	}
	for i, c := range columns {
		if sc.Column(i).Name() != c {
			return false
		}
	}
	return true
}

// WriteManifest writes the manifest entry of an imported file: the last
// step of an import, from which on its rows count.
func (l *Lake) WriteManifest(e Entry) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, manifestSchema)
	defer b.Release()
	text := func(i int, s string) {
		if s == "" {
			b.Field(i).AppendNull()
		} else {
			b.Field(i).(*array.StringBuilder).Append(s)
		}
	}
	num := func(i int, v int64) { b.Field(i).(*array.Int64Builder).Append(v) }
	text(0, e.SHA256)
	text(1, e.FileName)
	text(2, e.Kind)
	text(3, e.Format)
	text(4, e.Tables)
	text(5, e.MerchantID)
	num(6, e.RowsRead)
	num(7, e.RowsAccepted)
	num(8, e.RowsRejected)
	num(9, e.RowsWritten)
	num(10, e.ImportSeq)
	b.Field(11).(*array.TimestampBuilder).Append(arrow.Timestamp(e.ImportedAt.UnixMicro()))
	text(12, e.ConfigKey)
	text(13, e.Status)
	rec := b.NewRecord()
	defer rec.Release()
	return WriteParquet(l.ManifestFile(e.SHA256), manifestSchema, rec)
}

// Manifest reads every manifest entry, ordered by import sequence.
func (l *Lake) Manifest(ctx context.Context) ([]Entry, error) {
	files, err := filepath.Glob(filepath.Join(l.Dir, Manifest, "*.parquet"))
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, p := range files {
		if _, ok := fileIDOf(filepath.Base(p)); !ok {
			continue
		}
		entries, err := readManifest(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", p, err)
		}
		out = append(out, entries...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportSeq < out[j].ImportSeq })
	return out, nil
}

// ReadTable reads a small Parquet file of the lake whole (a manifest entry,
// the plan's streams); the caller releases the table. Lake tables are read
// by DuckDB.
func ReadTable(ctx context.Context, path string) (arrow.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pr, err := file.NewParquetReader(f)
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	return fr.ReadTable(ctx)
}

// readManifest reads the entries of one manifest file by column name (a
// file written before a column existed reads it as empty).
func readManifest(ctx context.Context, path string) ([]Entry, error) {
	tbl, err := ReadTable(ctx, path)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	out := make([]Entry, tbl.NumRows())
	column := func(name string, set func(e *Entry, a arrow.Array, j int)) {
		idx := tbl.Schema().FieldIndices(name)
		if len(idx) == 0 {
			return
		}
		row := 0
		for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
			for j := 0; j < chunk.Len(); j++ {
				if !chunk.IsNull(j) {
					set(&out[row], chunk, j)
				}
				row++
			}
		}
	}
	text := func(name string, dst func(e *Entry) *string) {
		column(name, func(e *Entry, a arrow.Array, j int) {
			if s, ok := a.(*array.String); ok {
				*dst(e) = s.Value(j)
			}
		})
	}
	num := func(name string, dst func(e *Entry) *int64) {
		column(name, func(e *Entry, a arrow.Array, j int) {
			if n, ok := a.(*array.Int64); ok {
				*dst(e) = n.Value(j)
			}
		})
	}
	text("sha256", func(e *Entry) *string { return &e.SHA256 })
	text("file_name", func(e *Entry) *string { return &e.FileName })
	text("kind", func(e *Entry) *string { return &e.Kind })
	text("format", func(e *Entry) *string { return &e.Format })
	text("tables", func(e *Entry) *string { return &e.Tables })
	text("merchant_id", func(e *Entry) *string { return &e.MerchantID })
	text("config_key", func(e *Entry) *string { return &e.ConfigKey })
	text("status", func(e *Entry) *string { return &e.Status })
	num("rows_read", func(e *Entry) *int64 { return &e.RowsRead })
	num("rows_accepted", func(e *Entry) *int64 { return &e.RowsAccepted })
	num("rows_rejected", func(e *Entry) *int64 { return &e.RowsRejected })
	num("rows_written", func(e *Entry) *int64 { return &e.RowsWritten })
	num("import_seq", func(e *Entry) *int64 { return &e.ImportSeq })
	column("imported_at", func(e *Entry, a arrow.Array, j int) {
		if ts, ok := a.(*array.Timestamp); ok {
			e.ImportedAt = time.UnixMicro(int64(ts.Value(j))).UTC()
		}
	})
	return out, nil
}
