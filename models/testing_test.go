package models_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/lake"
	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
	"github.com/postlive/postlive/workspace"
)

// importSpec is one file to import into a test workspace.
type importSpec struct {
	path, kind, merchant string
}

// testWorkspace imports files into a fresh lake under a temp folder.
type testWorkspace struct {
	t    *testing.T
	dir  string
	lake *lake.Lake
	now  time.Time // import clock (the manifest's imported_at); zero: 2026-11-21 03:00 UTC
	// zones is time_zones.<format> of the imports (nil: none configured)
	zones map[string]string
}

func newTestWorkspace(t *testing.T) *testWorkspace {
	t.Helper()
	dir := t.TempDir()
	w := &testWorkspace{t: t, dir: dir, lake: lake.In(dir)}
	if err := ingest.Init(w.lake); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *testWorkspace) importFiles(specs ...importSpec) {
	w.t.Helper()
	for _, s := range specs {
		st, err := ingest.Import(context.Background(), w.lake, s.path, ingest.Options{
			Kind: s.kind, Merchant: s.merchant, Salt: "test-salt",
			Now: w.clock, TimeZones: w.zones,
		})
		if err != nil {
			w.t.Fatalf("import %s: %v", s.path, err)
		}
		if st.Rejected > 0 {
			for _, r := range st.Rejects {
				w.t.Errorf("%s", r.Message(s.path))
			}
			w.t.Fatalf("import %s: %d rows rejected", s.path, st.Rejected)
		}
	}
}

func (w *testWorkspace) clock() time.Time {
	if w.now.IsZero() {
		return time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	}
	return w.now
}

// importAt imports files as a nightly run at that time would: the manifest
// records it as their imported_at.
func (w *testWorkspace) importAt(at time.Time, specs ...importSpec) {
	w.t.Helper()
	w.now = at
	defer func() { w.now = time.Time{} }()
	w.importFiles(specs...)
}

// withDefaults completes the settings a test names with the defaults of
// postlive.yaml (workspace.Defaults): a test says only what it changes.
func withDefaults(s models.Settings) models.Settings {
	d := workspace.Defaults().ModelSettings()
	got, def := reflect.ValueOf(&s).Elem(), reflect.ValueOf(d)
	for i := 0; i < got.NumField(); i++ {
		if got.Field(i).IsZero() {
			got.Field(i).Set(def.Field(i))
		}
	}
	for i, e := range s.Experiments {
		if e.PrimaryMetric == "" {
			s.Experiments[i].PrimaryMetric = d.ExperimentDefaults.PrimaryMetric
		}
		if e.Alpha == 0 {
			s.Experiments[i].Alpha = d.ExperimentDefaults.Alpha
		}
	}
	return s
}

// build runs the models and returns the warehouse opened read-only.
func (w *testWorkspace) build(settings models.Settings) (*models.Result, *sql.DB) {
	w.t.Helper()
	wh := filepath.Join(w.dir, "warehouse.duckdb")
	res, err := models.Build(context.Background(), models.Options{Workspace: w.dir, Warehouse: wh, SQL: sqlfiles.FS, Settings: withDefaults(settings)})
	if err != nil {
		w.t.Fatal(err)
	}
	db, err := models.Open(context.Background(), wh, w.dir, 0, "", true)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { db.Close() })
	if _, err := os.Stat(wh + ".wal"); err == nil {
		w.t.Errorf("a WAL file is left next to the warehouse")
	}
	return res, db
}

// rows reads a query's rows as text maps (NULL → "NULL").
func rows(t *testing.T, db *sql.DB, q string, args ...any) []map[string]string {
	t.Helper()
	r, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out []map[string]string
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			if vals[i] == nil {
				m[c] = "NULL"
			} else {
				m[c] = models.FormatValue(vals[i])
			}
		}
		out = append(out, m)
	}
	return out
}

// writeTestFile writes body to a file named name in a fresh temp folder
// and returns its path.
func writeTestFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// editedSQL is the project's SQL with the files named in edits rewritten by
// their function: a model deliberately broken, to show a data test fail.
func editedSQL(t *testing.T, edits map[string]func(string) string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(sqlfiles.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sqlfiles.FS, p)
		if err != nil {
			return err
		}
		if edit, ok := edits[p]; ok {
			edited := edit(string(b))
			if edited == string(b) {
				return fmt.Errorf("the edit of %s changed nothing: the SQL it breaks has moved", p)
			}
			b = []byte(edited)
		}
		fsys[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range edits {
		if _, ok := fsys[p]; !ok {
			t.Fatalf("no SQL file %s to edit", p)
		}
	}
	return fsys
}
