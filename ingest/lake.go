package ingest

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// Lake is the Parquet lake of a workspace:
//
//	lake/<table>/year=YYYY/month=MM/<sha256[:16]>.parquet   rows of one imported file
//	lake/<table>/_schema.parquet                            zero rows, the table's schema
//	lake/_manifest/<sha256[:16]>.parquet                    one row per imported file
//	lake/_rejects/<sha256[:16]>.parquet                     every rejected row with its reason
//
// Every file is written under a temporary name and renamed when complete, so
// a reader never sees a partial file. A file's rows count only once its
// manifest entry exists; the manifest is written last.
type Lake struct {
	Dir string
}

// Init creates the lake folders and the zero-row schema file of every table
// so that SQL can read a table before anything was imported into it, and
// sweeps away what an interrupted import left (see sweep). The caller holds
// the workspace lock: no other import may be running.
func (l *Lake) Init() error {
	for _, d := range []string{"_manifest", "_rejects", "marts"} {
		if err := os.MkdirAll(filepath.Join(l.Dir, d), 0o755); err != nil {
			return err
		}
	}
	for _, t := range append(Tables, manifestTable, rejectsTable) {
		dir := filepath.Join(l.Dir, t.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		p := filepath.Join(dir, "_schema.parquet")
		if _, err := os.Stat(p); err == nil && schemaCurrent(p, t) {
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
	return l.sweep()
}

// sweep removes what an interrupted import or build left in the lake:
// temporary files (.…parquet.tmp-<pid>), and the data and rejects files of a
// source file whose manifest entry was never written (the import died before
// its last step, or a re-import died after forgetting the old entry). Such
// files count for nothing while their manifest entry is missing, but they
// would count, wrongly, once the same file is imported again under settings
// that put its rows into other month partitions (a time zone set since):
// the new import would not overwrite them.
func (l *Lake) sweep() error {
	imported := map[string]bool{}
	entries, err := os.ReadDir(filepath.Join(l.Dir, "_manifest"))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if id, ok := lakeFileID(e.Name()); ok {
			imported[id] = true
		}
	}
	manifest := filepath.Join(l.Dir, "_manifest")
	return filepath.WalkDir(l.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		name := d.Name()
		if strings.Contains(name, ".tmp-") {
			return removeFile(p)
		}
		if id, ok := lakeFileID(name); ok && !imported[id] && filepath.Dir(p) != manifest {
			return removeFile(p)
		}
		return nil
	})
}

func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// lakeFileID returns the source-file id of a data, rejects or manifest file
// name (<sha256[:16]>.parquet); marts and schema files have none.
func lakeFileID(name string) (string, bool) {
	id, ok := strings.CutSuffix(name, ".parquet")
	if !ok || len(id) != 16 {
		return "", false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return id, true
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
	tmp   string
	f     *os.File
	fw    *pqarrow.FileWriter
	rows  int
	own   *batch             // rows given one by one (add)
	dicts []map[string]int32 // per column, reused to build dictionaries
}

func newPartWriter(t *Table, final string) (*partWriter, error) {
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, err
	}
	tmp := tempName(final)
	f, err := os.Create(tmp)
	if err != nil {
		return nil, err
	}
	lay := layoutOf(t)
	fw, err := pqarrow.NewFileWriter(lay.schema, f, writerProps(t), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("create parquet %s: %w", final, err)
	}
	return &partWriter{table: t, lay: lay, final: final, tmp: tmp, f: f, fw: fw, dicts: make([]map[string]int32, len(t.Columns))}, nil
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
	// pqarrow closes the underlying file; sync it through a fresh handle.
	if err == nil {
		err = syncFile(w.tmp)
	}
	if err == nil {
		err = os.Rename(w.tmp, w.final)
	}
	if err != nil {
		os.Remove(w.tmp)
		return err
	}
	return syncDir(filepath.Dir(w.final))
}

func (w *partWriter) abort() {
	w.fw.Close()
	os.Remove(w.tmp)
}

// tempName is where a lake file is written before it is renamed to final:
// a hidden name in the same folder (.<name>.tmp-<pid>), which neither a
// *.parquet glob nor Spark, Hive or Trino (they skip names starting with a
// dot) read while it is incomplete.
func tempName(final string) string {
	return filepath.Join(filepath.Dir(final), fmt.Sprintf(".%s.tmp-%d", filepath.Base(final), os.Getpid()))
}

func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func syncDir(d string) error {
	f, err := os.Open(d)
	if err != nil {
		return err
	}
	defer f.Close()
	f.Sync() // best effort: some file systems refuse to sync a directory
	return nil
}

// fileID is the name a source file's lake files carry.
func fileID(sha string) string { return sha[:16] }

// manifestTable and rejectsTable describe the lake's bookkeeping files.
var (
	manifestTable = newBareTable("_manifest", []string{"sha256"}, "",
		req("sha256", String), req("file_name", String), req("kind", String), req("format", String),
		opt("tables", String), opt("merchant_id", String), req("rows_read", Int), req("rows_accepted", Int),
		req("rows_rejected", Int), req("rows_written", Int), req("import_seq", Int), req("imported_at", Time),
		opt("config_key", String))
	rejectsTable = newBareTable("_rejects", []string{"sha256", "line", "column"}, "",
		req("sha256", String), req("file_name", String), req("line", Int), req("column", Int),
		opt("field", String), opt("value", String), req("reason", String), opt("hint", String), opt("record", String))
)

// forget removes an imported file from the lake: its manifest entry first
// (from then on its rows count for nothing, even if the removal is
// interrupted), then its data files and its rejects.
func (l *Lake) forget(sha string) error {
	name := fileID(sha) + ".parquet"
	if err := os.Remove(filepath.Join(l.Dir, "_manifest", name)); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := syncDir(filepath.Join(l.Dir, "_manifest")); err != nil {
		return err
	}
	return filepath.WalkDir(l.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == name {
			return os.Remove(p)
		}
		return nil
	})
}

// ManifestEntry is one imported file.
type ManifestEntry struct {
	SHA256       string
	FileName     string
	Kind         string
	Format       string
	Tables       string
	MerchantID   string
	RowsRead     int64
	RowsAccepted int64
	RowsRejected int64
	RowsWritten  int64
	ImportSeq    int64
	ImportedAt   time.Time
	ConfigKey    string // the import settings it was read with (Options.configKey)
}

// Manifest reads every manifest entry, ordered by import sequence.
func (l *Lake) Manifest(ctx context.Context) ([]ManifestEntry, error) {
	files, err := filepath.Glob(filepath.Join(l.Dir, "_manifest", "*.parquet"))
	if err != nil {
		return nil, err
	}
	var out []ManifestEntry
	for _, p := range files {
		if filepath.Base(p) == "_schema.parquet" {
			continue
		}
		rows, err := readRows(ctx, p, manifestTable)
		if err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", p, err)
		}
		for _, r := range rows {
			out = append(out, ManifestEntry{
				SHA256: r[0].S, FileName: r[1].S, Kind: r[2].S, Format: r[3].S, Tables: r[4].S, MerchantID: r[5].S,
				RowsRead: r[6].I, RowsAccepted: r[7].I, RowsRejected: r[8].I, RowsWritten: r[9].I,
				ImportSeq: r[10].I, ImportedAt: time.UnixMicro(r[11].I).UTC(), ConfigKey: r[12].S,
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportSeq < out[j].ImportSeq })
	return out, nil
}

func (l *Lake) writeManifest(e ManifestEntry) error {
	w, err := newPartWriter(manifestTable, filepath.Join(l.Dir, "_manifest", fileID(e.SHA256)+".parquet"))
	if err != nil {
		return err
	}
	r := NewRecord(manifestTable)
	r.SetString("sha256", e.SHA256)
	r.SetString("file_name", e.FileName)
	r.SetString("kind", e.Kind)
	r.SetString("format", e.Format)
	r.SetString("tables", e.Tables)
	r.SetString("merchant_id", e.MerchantID)
	r.SetInt("rows_read", e.RowsRead)
	r.SetInt("rows_accepted", e.RowsAccepted)
	r.SetInt("rows_rejected", e.RowsRejected)
	r.SetInt("rows_written", e.RowsWritten)
	r.SetInt("import_seq", e.ImportSeq)
	r.SetTime("imported_at", e.ImportedAt)
	r.SetString("config_key", e.ConfigKey)
	if err := w.add(r); err != nil {
		w.abort()
		return err
	}
	return w.close()
}

func (l *Lake) writeRejects(sha, name string, rejects []Reject) error {
	w, err := newPartWriter(rejectsTable, filepath.Join(l.Dir, "_rejects", fileID(sha)+".parquet"))
	if err != nil {
		return err
	}
	r := NewRecord(rejectsTable)
	for _, rj := range rejects {
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
		if err := w.add(r); err != nil {
			w.abort()
			return err
		}
	}
	return w.close()
}

// readRows reads a small Parquet file of table t into values (for the
// manifest; lake tables are read by DuckDB).
func readRows(ctx context.Context, path string, t *Table) ([][]Value, error) {
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
	tbl, err := fr.ReadTable(ctx)
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
