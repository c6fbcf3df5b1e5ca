package ingest

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	lakepkg "github.com/postlive/postlive/lake"
)

// importNow is the clock of test imports.
var importNow = func() time.Time { return time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC) }

const testSalt = "test-salt"

// Lake is the lake these tests import into (the tests name their lakes
// "lake", which hides the package).
type Lake = lakepkg.Lake

func fileID(sha string) string { return lakepkg.FileID(sha) }

func newTestLake(t testing.TB) *Lake {
	t.Helper()
	l := &Lake{Dir: filepath.Join(t.TempDir(), "lake")}
	if err := Init(l); err != nil {
		t.Fatal(err)
	}
	return l
}

// manifestTable is the manifest's schema (package lake) as a table, to read
// manifest files back like the other lake files.
func manifestTable() *Table {
	var cols []Column
	for _, f := range lakepkg.ManifestSchema().Fields() {
		k := String
		switch f.Type.ID() {
		case arrow.INT64:
			k = Int
		case arrow.TIMESTAMP:
			k = Time
		}
		cols = append(cols, opt(f.Name, k))
	}
	return newBareTable(lakepkg.Manifest, []string{"sha256"}, "", cols...)
}

func writeInput(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// importOK imports a file that must import (possibly with rejects) and checks
// the accounting every import must keep.
func importOK(t testing.TB, lake *Lake, path string, opt Options) *Stats {
	t.Helper()
	if opt.Salt == "" {
		opt.Salt = testSalt
	}
	if opt.Now == nil {
		opt.Now = importNow
	}
	st, err := Import(context.Background(), lake, path, opt)
	if err != nil {
		t.Fatalf("Import(%s, kind %s) error: %v", filepath.Base(path), opt.Kind, err)
	}
	checkStats(t, st)
	return st
}

// checkStats asserts read = accepted + rejected and that every reject says
// where (line, column), what and what to do.
func checkStats(t testing.TB, st *Stats) {
	t.Helper()
	if st.Skipped {
		return
	}
	if st.Read != st.Accepted+st.Rejected {
		t.Errorf("%s: read %d != accepted %d + rejected %d", st.File, st.Read, st.Accepted, st.Rejected)
	}
	if len(st.Rejects) != st.Rejected {
		t.Errorf("%s: %d rejects listed, %d counted", st.File, len(st.Rejects), st.Rejected)
	}
	for _, rj := range st.Rejects {
		if rj.Line < 1 || rj.Column < 1 || rj.What == "" || rj.Hint == "" {
			t.Errorf("%s: reject without line, column, reason or hint: %+v", st.File, rj)
		}
	}
}

// lakeFiles lists the data files of a lake folder (a table, _manifest or
// _rejects), without the zero-row schema files.
func lakeFiles(t testing.TB, lake *Lake, folder string) []string {
	t.Helper()
	var out []string
	root := filepath.Join(lake.Dir, folder)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".parquet") && d.Name() != "_schema.parquet" {
			out = append(out, p)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// tableRows reads every row of a lake table (through arrow).
func tableRows(t testing.TB, lake *Lake, tbl *Table) []row {
	t.Helper()
	var out []row
	for _, p := range lakeFiles(t, lake, tbl.Name) {
		vals, err := readRows(context.Background(), p, tbl)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		for _, v := range vals {
			out = append(out, row{tbl, v})
		}
	}
	return out
}

// row is one lake row with accessors by column name.
type row struct {
	t    *Table
	vals []Value
}

func (r row) v(name string) Value { return r.vals[r.t.Col(name)] }
func (r row) s(name string) string {
	return r.v(name).S
}
func (r row) i(name string) int64 { return r.v(name).I }
func (r row) ts(name string) string {
	v := r.v(name)
	if !v.Valid {
		return "NULL"
	}
	return time.UnixMicro(v.I).UTC().Format(time.RFC3339)
}

func findRow(t testing.TB, rows []row, col, val string) row {
	t.Helper()
	for _, r := range rows {
		if r.s(col) == val {
			return r
		}
	}
	t.Fatalf("no row with %s = %q", col, val)
	return row{}
}

// parquetStrings returns every string value of every column of a Parquet file.
func parquetStrings(t testing.TB, path string) []string {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	defer tbl.Release()
	var out []string
	for c := 0; c < int(tbl.NumCols()); c++ {
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			if a, ok := chunk.(*array.String); ok {
				for j := 0; j < a.Len(); j++ {
					if a.IsValid(j) {
						out = append(out, a.Value(j))
					}
				}
			}
		}
	}
	return out
}

// assertNowhere fails if any of the secrets appears in any file under dir,
// byte for byte or (for Parquet files) in any decoded string value.
func assertNowhere(t testing.TB, dir string, secrets ...string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		texts := []string{strings.ToLower(string(b))}
		if strings.HasSuffix(p, ".parquet") {
			for _, s := range parquetStrings(t, p) {
				texts = append(texts, strings.ToLower(s))
			}
		}
		for _, s := range secrets {
			for _, txt := range texts {
				if strings.Contains(txt, strings.ToLower(s)) {
					t.Errorf("%s holds %q", p, s)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no files under %s", dir)
	}
}

// rejectRows reads the lake's rejects of one imported file.
func rejectRows(t testing.TB, lake *Lake, sha string) []row {
	t.Helper()
	p := filepath.Join(lake.Dir, "_rejects", fileID(sha)+".parquet")
	vals, err := readRows(context.Background(), p, rejectsTable)
	if err != nil {
		t.Fatalf("read rejects %s: %v", p, err)
	}
	out := make([]row, len(vals))
	for i, v := range vals {
		out[i] = row{rejectsTable, v}
	}
	return out
}

// checkRejectsStored asserts the lake's rejects of st match st.Rejects and
// each carries file, line, column and reason.
func checkRejectsStored(t testing.TB, lake *Lake, st *Stats) {
	t.Helper()
	if st.Rejected == 0 {
		return
	}
	rows := rejectRows(t, lake, st.SHA256)
	if len(rows) != st.Rejected {
		t.Fatalf("%s: %d rows in _rejects; want %d", st.File, len(rows), st.Rejected)
	}
	for i, r := range rows {
		want := st.Rejects[i]
		if r.s("file_name") != st.File || r.i("line") != int64(want.Line) || r.i("column") != int64(want.Column) ||
			r.s("reason") != want.What || r.s("hint") != want.Hint || r.s("sha256") != st.SHA256 {
			t.Errorf("%s: _rejects row %d = file %q line %d column %d reason %q; want %q %d %d %q",
				st.File, i, r.s("file_name"), r.i("line"), r.i("column"), r.s("reason"), st.File, want.Line, want.Column, want.What)
		}
		if r.s("record") == "" && want.Record != "" {
			t.Errorf("%s: _rejects row %d lost its record", st.File, i)
		}
	}
}
