package ingest

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pqgo "github.com/xitongsys/parquet-go/parquet"
	pqreader "github.com/xitongsys/parquet-go/reader"
	pqsource "github.com/xitongsys/parquet-go/source"
)

// localFile is a read-only source.ParquetFile over an os.File, so the
// independent reader needs no extra module (parquet-go-source).
type localFile struct{ *os.File }

var _ pqsource.ParquetFile = localFile{}

func (f localFile) Open(name string) (pqsource.ParquetFile, error) {
	if name == "" {
		name = f.Name()
	}
	g, err := os.Open(name)
	return localFile{g}, err
}

func (f localFile) Create(string) (pqsource.ParquetFile, error) {
	return nil, fmt.Errorf("read-only")
}

func (f localFile) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

// sampleImports are the files of fixtures/sample as the demo imports them
// (cmd/postlive/cmd_demo.go demoImports).
var sampleImports = []struct{ file, kind, merchant string }{
	{"streams.csv", "streams", ""},
	{"drops.csv", "drops", ""},
	{"links.csv", "links", ""},
	{"stream_metrics.csv", "stream_metrics", ""},
	{"chat.jsonl", "chat", ""},
	{"clicks.csv", "clicks", ""},
	{"orders-shopify-glowlab.csv", "orders", "glowlab"},
	{"orders-shopify-kitchenly.csv", "orders", "kitchenly"},
	{"spend-meta.csv", "spend", ""},
}

// TestLakeReadsBackWithParquetGo imports the whole sample and reads every
// Parquet file of the lake with github.com/xitongsys/parquet-go, an
// implementation independent of the arrow writer: the schema must be the
// canonical one, the row counts those of the import, and every value the
// one arrow reads.
func TestLakeReadsBackWithParquetGo(t *testing.T) {
	lake := newTestLake(t)
	written := map[string]int{}
	var stats []*Stats
	for _, f := range sampleImports {
		st := importOK(t, lake, filepath.Join("..", "fixtures", "sample", f.file), Options{Kind: f.kind, Merchant: f.merchant, Name: f.file})
		if st.Rejected != 0 {
			t.Errorf("%s: %d rejects in the sample: %s", f.file, st.Rejected, st.Rejects[0].Message(f.file))
		}
		for tbl, n := range st.Written {
			written[tbl] += n
		}
		stats = append(stats, st)
	}
	for _, tbl := range Tables {
		if written[tbl.Name] == 0 {
			t.Errorf("the sample writes no %s rows", tbl.Name)
		}
	}

	folders := map[string]*Table{"_manifest": manifestTable(), "_rejects": rejectsTable}
	for _, tbl := range Tables {
		folders[tbl.Name] = tbl
	}
	counted := map[string]int{}
	files := 0
	err := filepath.WalkDir(lake.Dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		rel, _ := filepath.Rel(lake.Dir, p)
		folder := strings.Split(filepath.ToSlash(rel), "/")[0]
		tbl := folders[folder]
		if tbl == nil {
			t.Errorf("%s: Parquet file outside any table folder", rel)
			return nil
		}
		files++
		counted[tbl.Name] += readBack(t, rel, p, tbl)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < len(Tables)+2 {
		t.Fatalf("read %d Parquet files; want at least one per table", files)
	}
	for _, tbl := range Tables {
		if counted[tbl.Name] != written[tbl.Name] {
			t.Errorf("%s: %d rows in the lake (parquet-go); the import wrote %d", tbl.Name, counted[tbl.Name], written[tbl.Name])
		}
	}
	if counted["_rejects"] != 0 {
		t.Errorf("_rejects: %d rows; want 0", counted["_rejects"])
	}

	// the manifest: one row per file, its counts those of the import
	m, err := lake.Manifest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != len(stats) || counted["_manifest"] != len(stats) {
		t.Fatalf("manifest has %d entries (%d rows via parquet-go); want %d", len(m), counted["_manifest"], len(stats))
	}
	var manifestWritten int64
	for i, e := range m {
		st := stats[i]
		n := 0
		for _, c := range st.Written {
			n += c
		}
		if e.SHA256 != st.SHA256 || e.RowsRead != int64(st.Read) || e.RowsAccepted != int64(st.Accepted) ||
			e.RowsRejected != int64(st.Rejected) || e.RowsWritten != int64(n) || e.Format != st.Format || e.ImportSeq != int64(i+1) {
			t.Errorf("manifest entry %d = %+v; want the stats of %s (%d read, %d written, seq %d)", i, e, st.File, st.Read, n, i+1)
		}
		if e.RowsRead != e.RowsAccepted+e.RowsRejected {
			t.Errorf("manifest %s: read %d != accepted %d + rejected %d", e.FileName, e.RowsRead, e.RowsAccepted, e.RowsRejected)
		}
		manifestWritten += e.RowsWritten
	}
	total := 0
	for _, n := range written {
		total += n
	}
	if manifestWritten != int64(total) {
		t.Errorf("manifest rows_written sum = %d; want %d", manifestWritten, total)
	}
}

// readBack reads one lake file with parquet-go, checks its schema against
// the table and each value against the arrow reader, and returns its rows.
func readBack(t *testing.T, rel, path string, tbl *Table) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := pqreader.NewParquetReader(localFile{f}, nil, 1)
	if err != nil {
		t.Errorf("%s: parquet-go cannot open it: %v", rel, err)
		return 0
	}
	defer pr.ReadStop()

	leaves := pr.Footer.Schema[1:]
	if len(leaves) != len(tbl.Columns) {
		t.Errorf("%s: %d columns; want %d of %s", rel, len(leaves), len(tbl.Columns), tbl.Name)
		return int(pr.GetNumRows())
	}
	for i, c := range tbl.Columns {
		// parquet-go renames columns to exported Go names; ExName keeps the file's
		if name := pr.SchemaHandler.Infos[i+1].ExName; name != c.Name {
			t.Errorf("%s: column %d is named %q; want %q", rel, i, name, c.Name)
		}
		if msg := checkColumnType(leaves[i], c); msg != "" {
			t.Errorf("%s: column %d: %s", rel, i, msg)
		}
	}
	n := int(pr.GetNumRows())
	if n == 0 {
		return 0
	}
	got, err := pr.ReadByNumber(n)
	if err != nil {
		t.Errorf("%s: parquet-go cannot read the rows: %v", rel, err)
		return n
	}
	if len(got) != n {
		t.Errorf("%s: parquet-go read %d rows; the footer says %d", rel, len(got), n)
	}
	want, err := readRows(context.Background(), path, tbl)
	if err != nil {
		t.Fatalf("%s: arrow read: %v", rel, err)
	}
	// each element is a row struct (or, for a root parquet-go reads as
	// repeated, a slice of them)
	var structs []reflect.Value
	for _, g := range got {
		rv := reflect.ValueOf(g)
		if rv.Kind() == reflect.Slice {
			for k := 0; k < rv.Len(); k++ {
				structs = append(structs, rv.Index(k))
			}
			continue
		}
		structs = append(structs, rv)
	}
	if len(structs) != n || len(want) != n {
		t.Errorf("%s: parquet-go read %d rows, arrow %d; the footer says %d", rel, len(structs), len(want), n)
		return n
	}
	bad := 0
	for r, rv := range structs {
		for ci, c := range tbl.Columns {
			g := goValue(rv.Field(ci), c.Kind, leaves[ci])
			w := wantValue(want[r][ci], c.Kind)
			if g != w && bad < 5 {
				bad++
				t.Errorf("%s: row %d column %s: parquet-go reads %s, arrow %s", rel, r, c.Name, g, w)
			}
		}
	}
	return n
}

func checkColumnType(e *pqgo.SchemaElement, c Column) string {
	if e.GetRepetitionType() != pqgo.FieldRepetitionType_OPTIONAL {
		return fmt.Sprintf("%s is %s; want OPTIONAL", c.Name, e.GetRepetitionType())
	}
	typ, lt := e.GetType(), e.GetLogicalType()
	ok := false
	switch c.Kind {
	case String:
		ok = typ == pqgo.Type_BYTE_ARRAY && (e.GetConvertedType() == pqgo.ConvertedType_UTF8 || lt != nil && lt.IsSetSTRING())
	case Int:
		ok = typ == pqgo.Type_INT64
	case Float:
		ok = typ == pqgo.Type_DOUBLE
	case Bool:
		ok = typ == pqgo.Type_BOOLEAN
	case Money:
		ok = (typ == pqgo.Type_FIXED_LEN_BYTE_ARRAY || typ == pqgo.Type_INT64) &&
			e.GetConvertedType() == pqgo.ConvertedType_DECIMAL && e.GetScale() == 2 && e.GetPrecision() == 18
	case Time:
		ok = typ == pqgo.Type_INT64 && lt != nil && lt.IsSetTIMESTAMP() && lt.TIMESTAMP.IsAdjustedToUTC && lt.TIMESTAMP.Unit.IsSetMICROS()
	case Date:
		ok = typ == pqgo.Type_INT32 && e.GetConvertedType() == pqgo.ConvertedType_DATE
	}
	if !ok {
		return fmt.Sprintf("%s is %s (converted %s, logical %v); want %s", c.Name, typ, e.GetConvertedType(), lt, c.Kind)
	}
	return ""
}

// goValue renders a value read by parquet-go for comparison.
func goValue(v reflect.Value, k Kind, e *pqgo.SchemaElement) string {
	if v.Kind() == reflect.Ptr {
		if v.IsNil() {
			return "NULL"
		}
		v = v.Elem()
	}
	switch k {
	case Money:
		if e.GetType() == pqgo.Type_FIXED_LEN_BYTE_ARRAY {
			b := []byte(v.String())
			n := new(big.Int).SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 { // two's complement
				n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
			return n.String()
		}
		return fmt.Sprint(v.Int())
	case Float:
		return fmt.Sprint(v.Float())
	}
	return fmt.Sprint(v.Interface())
}

func wantValue(v Value, k Kind) string {
	if !v.Valid {
		return "NULL"
	}
	switch k {
	case String:
		return v.S
	case Float:
		return fmt.Sprint(v.Float())
	case Bool:
		return fmt.Sprint(v.B)
	}
	return fmt.Sprint(v.I)
}
