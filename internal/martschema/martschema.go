// Package martschema gives tests tables shaped as the models build them:
// the test fills the columns it names, their types come from a warehouse
// the models built (package samplewarehouse), attached read-only, so no
// test declares a mart's schema by hand and a column the mart does not
// have fails the test. It imports nothing of postlive, so the reports'
// own test packages can use it.
package martschema

import (
	"database/sql"
	"strings"
	"testing"
)

// Attach attaches the warehouse at path to db, read-only, as "sample".
func Attach(t testing.TB, db *sql.DB, path string) {
	t.Helper()
	if _, err := db.Exec(`attach '` + strings.ReplaceAll(path, "'", "''") + `' as sample (read_only)`); err != nil {
		t.Fatalf("attach the sample warehouse: %v", err)
	}
}

// Create creates table with the columns cols, in that order, typed as in
// the attached warehouse's table, and empty.
func Create(t testing.TB, db *sql.DB, table string, cols ...string) {
	t.Helper()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	q := "create table " + table + " as select " + strings.Join(quoted, ", ") + " from sample.main." + table + " where false"
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("create %s as the models build it: %v", table, err)
	}
}

// AddColumns adds cols to table, typed as in the attached warehouse's table.
func AddColumns(t testing.TB, db *sql.DB, table string, cols ...string) {
	t.Helper()
	for _, c := range cols {
		var typ string
		err := db.QueryRow(`select data_type from information_schema.columns
            where table_catalog = 'sample' and table_name = ? and column_name = ?`, table, c).Scan(&typ)
		if err != nil {
			t.Fatalf("%s.%s in the sample warehouse: %v", table, c, err)
		}
		if _, err := db.Exec("alter table " + table + ` add column "` + c + `" ` + typ); err != nil {
			t.Fatalf("add %s.%s: %v", table, c, err)
		}
	}
}
