package models

import (
	"testing"
	"testing/fstest"
)

func TestLoadOrderAndMaterialization(t *testing.T) {
	fsys := fstest.MapFS{
		"staging/stg_a.sql":      {Data: []byte("select 1 as x")},
		"intermediate/int_b.sql": {Data: []byte("-- one row per x\n--\n-- materialized: table (read twice)\nselect * from stg_a")},
		"intermediate/int_c.sql": {Data: []byte("-- one row per x\nselect * from int_b\n-- materialized: table (not in the header: ignored)")},
		"marts/m.sql":            {Data: []byte("select * from int_c join int_b using (x)")},
		"tests/unique_m_x.sql":   {Data: []byte("select x from m group by x having count(*) > 1")},
		"intermediate/int_d.sql": {Data: []byte("-- materialized: view\nselect 2 as y")},
	}
	models, tests, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, m := range models {
		pos[m.Name] = i
	}
	for _, dep := range [][2]string{{"stg_a", "int_b"}, {"int_b", "int_c"}, {"int_c", "m"}, {"int_b", "m"}} {
		if pos[dep[0]] > pos[dep[1]] {
			t.Errorf("%s comes after %s; want before (it is read by it)", dep[0], dep[1])
		}
	}
	want := map[string]bool{"stg_a": false, "int_b": true, "int_c": false, "int_d": false, "int_e": false, "m": true}
	for _, m := range models {
		if got := m.Materialized(); got != want[m.Name] {
			t.Errorf("%s.Materialized() = %v; want %v", m.Name, got, want[m.Name])
		}
	}
	if len(tests) != 1 || tests[0].Name != "unique_m_x" {
		t.Errorf("tests = %v; want [unique_m_x]", tests)
	}
}
