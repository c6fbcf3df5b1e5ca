package reports

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/postlive/postlive/internal/martschema"
	"github.com/postlive/postlive/models"
)

// SampleWarehouseBuilder is set by the external test package (sample_test.go):
// it builds the sample exports through ingest and models and returns the
// warehouse's path.
var SampleWarehouseBuilder = new(func() (string, error))

var (
	sampleOnce sync.Once
	samplePath string
	sampleErr  error
)

// sampleWarehousePath builds the sample warehouse once per test binary.
func sampleWarehousePath(t testing.TB) string {
	t.Helper()
	sampleOnce.Do(func() {
		if *SampleWarehouseBuilder == nil {
			sampleErr = errNoBuilder
			return
		}
		samplePath, sampleErr = (*SampleWarehouseBuilder)()
	})
	if sampleErr != nil {
		t.Fatalf("build the sample warehouse: %v", sampleErr)
	}
	return samplePath
}

type noBuilder struct{}

func (noBuilder) Error() string { return "no builder (sample_test.go sets it)" }

var errNoBuilder error = noBuilder{}

// sampleWarehouse opens the sample warehouse read-only: every mart, as the
// models build it from fixtures/sample.
func sampleWarehouse(t testing.TB) *sql.DB {
	t.Helper()
	db, err := models.Open(context.Background(), sampleWarehousePath(t), "", 1, "", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSampleWarehouse writes the reports of the sample warehouse: every
// kind of report, from marts as the models build them.
func TestSampleWarehouse(t *testing.T) {
	requireBundle(t)
	db := sampleWarehouse(t)
	res := writeReports(t, db, t.TempDir())
	kinds := map[string]int{}
	for _, f := range res.Files {
		for _, k := range []string{"stream-", "experiment-", "merchant-", "statement-", "index"} {
			if len(baseName(f)) >= len(k) && baseName(f)[:len(k)] == k {
				kinds[k]++
			}
		}
	}
	if kinds["stream-"] == 0 || kinds["experiment-"] == 0 || kinds["merchant-"] == 0 || kinds["statement-"] == 0 || kinds["index"] != 1 {
		t.Errorf("sample reports by kind: %v; want every kind", kinds)
	}
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// attachSample attaches the sample warehouse to db, read-only, as "sample".
func attachSample(t testing.TB, db *sql.DB) {
	t.Helper()
	martschema.Attach(t, db, sampleWarehousePath(t))
}

// mart creates table with the columns cols, typed as the models build them.
func mart(t testing.TB, db *sql.DB, table string, cols ...string) {
	t.Helper()
	martschema.Create(t, db, table, cols...)
}

// addColumns adds cols to table, typed as the models build them.
func addColumns(t testing.TB, db *sql.DB, table string, cols ...string) {
	t.Helper()
	martschema.AddColumns(t, db, table, cols...)
}
