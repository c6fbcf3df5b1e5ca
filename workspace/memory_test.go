package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postlive/postlive/models"
)

// TestMemoryLimitShares checks how duckdb.memory_limit is shared, against
// values worked out by hand from the rule (DuckDB: the limit minus
// max(20 %, 1 GiB); Go: a quarter of that headroom, at most 200 MiB), and
// what DuckDB itself then reports as its memory_limit.
func TestMemoryLimitShares(t *testing.T) {
	const gib = 1 << 30
	cases := []struct {
		value       string
		limit, duck int64
		goHeap      int64
		duckDBSays  string // current_setting('memory_limit')
	}{
		{value: "", limit: 0, duck: 0, goHeap: 200 << 20},
		// 8 GB = 8e9 bytes; 20 % = 1.6e9 > 1 GiB
		{value: "8GB", limit: 8e9, duck: 6_400_000_000, goHeap: 200 << 20, duckDBSays: "5.9 GiB"},
		// 2 GiB: 20 % is 0.4 GiB < the 1 GiB floor
		{value: "2GiB", limit: 2 * gib, duck: gib, goHeap: 200 << 20, duckDBSays: "1.0 GiB"},
		// the least accepted: 2 GiB leaves DuckDB 1 GiB
		{value: " 2 gib ", limit: 2 * gib, duck: gib, goHeap: 200 << 20, duckDBSays: "1.0 GiB"},
		{value: "2.5GiB", limit: 2560 << 20, duck: 1536 << 20, goHeap: 200 << 20, duckDBSays: "1.5 GiB"},
		// 16 GiB: 20 % = 3.2 GiB
		{value: "16GiB", limit: 16 * gib, duck: 16*gib - 16*gib/5, goHeap: 200 << 20, duckDBSays: "12.7 GiB"}, // DuckDB truncates 12.8 − ε,
		{value: "20000MB", limit: 2e10, duck: 16e9, goHeap: 200 << 20, duckDBSays: "14.9 GiB"},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			ws := t.TempDir()
			writeFile(t, filepath.Join(ws, "postlive.yaml"), fmt.Sprintf("duckdb:\n  memory_limit: %q\n", tc.value))
			c, err := loadConfig(t, ws)
			if err != nil {
				t.Fatal(err)
			}
			m := c.Memory()
			if m.Limit != tc.limit || m.DuckDB != tc.duck || m.Go != tc.goHeap {
				t.Fatalf("Memory(%q) = %+v; want limit %d, DuckDB %d, Go %d", tc.value, m, tc.limit, tc.duck, tc.goHeap)
			}
			if m.DuckDB+m.Go > m.Limit && m.Limit > 0 {
				t.Errorf("Memory(%q): DuckDB %d + Go %d exceed the limit %d", tc.value, m.DuckDB, m.Go, m.Limit)
			}
			opt, err := (&Workspace{Dir: ws, Config: c}).BuildOptions(false)
			if err != nil {
				t.Fatal(err)
			}
			if tc.duck == 0 && opt.MemoryLimit != "" {
				t.Errorf("BuildOptions.MemoryLimit = %q; want DuckDB's default", opt.MemoryLimit)
			}
			if tc.duck == 0 {
				return
			}
			// what DuckDB receives: the build's connection, opened on the
			// build's temporary file as models.Build does
			path := filepath.Join(ws, fmt.Sprintf("warehouse.duckdb.tmp-%d", os.Getpid()))
			db, err := models.Open(context.Background(), path, ws, 1, opt.MemoryLimit, false)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var says, bytes, temp string
			if err := db.QueryRow("select current_setting('memory_limit'), format_bytes(?::bigint), current_setting('temp_directory')", tc.duck).Scan(&says, &bytes, &temp); err != nil {
				t.Fatal(err)
			}
			if says != tc.duckDBSays || says != bytes {
				t.Errorf("DuckDB's memory_limit for %q = %s; want %s (format_bytes(%d) = %s)", tc.value, says, tc.duckDBSays, tc.duck, bytes)
			}
			// the build spills beside its temporary warehouse, which
			// RemoveInterrupted removes after a crash
			if temp != path+".tmp" {
				t.Errorf("build's temp_directory = %s; want %s", temp, path+".tmp")
			}
		})
	}
}

func TestMemoryLimitRejected(t *testing.T) {
	for value, want := range map[string]string{
		"1GB":    "below 2GiB",
		"1.9GiB": "below 2GiB",
		"8 gigs": "not a size",
		"8":      "not a size",
		"GB":     "not a size",
		"-8GB":   "not a size",
	} {
		ws := t.TempDir()
		writeFile(t, filepath.Join(ws, "postlive.yaml"), fmt.Sprintf("duckdb:\n  memory_limit: %q\n", value))
		_, err := loadConfig(t, ws)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "duckdb.memory_limit") {
			t.Errorf("memory_limit %q: error = %v; want one naming duckdb.memory_limit and saying %q", value, err, want)
		}
	}
	t.Setenv("POSTLIVE_DUCKDB_MEMORY_LIMIT", "3GB")
	c, err := loadConfig(t, t.TempDir())
	if err != nil || c.MemoryLimit != 3e9 {
		t.Errorf("POSTLIVE_DUCKDB_MEMORY_LIMIT=3GB: limit %v, %v; want 3e9 bytes", c, err)
	}
}

// TestReaderSpillsIntoItsOwnFolder: a command that reads the warehouse
// spills into .postlive/spill-<pid> under the same limit, and the sweep
// removes the spill folder of a process that no longer runs but not that of
// a live one.
func TestReaderSpillsIntoItsOwnFolder(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), "duckdb:\n  memory_limit: 2GiB\n")
	w, err := Load(ws)
	if err != nil {
		t.Fatal(err)
	}
	db, err := models.Open(context.Background(), w.WarehousePath(), ws, 1, "", false)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, err := w.OpenWarehouse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var limit, temp string
	if err := r.QueryRow("select current_setting('memory_limit'), current_setting('temp_directory')").Scan(&limit, &temp); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if want := filepath.Join(ws, ".postlive", fmt.Sprintf("spill-%d", os.Getpid())); temp != want || limit != "1.0 GiB" {
		t.Errorf("reader: temp_directory %s, memory_limit %s; want %s, 1.0 GiB", temp, limit, want)
	}

	dead := filepath.Join(ws, ".postlive", "spill-999999999")
	live := filepath.Join(ws, ".postlive", "spill-1") // init runs as long as the machine
	build := filepath.Join(ws, "warehouse.duckdb.tmp-999999999.tmp")
	for _, d := range []string{dead, live, build} {
		writeFile(t, filepath.Join(d, "duckdb_temp_storage-0.tmp"), "spilled")
	}
	if err := w.RemoveInterrupted(); err != nil {
		t.Fatal(err)
	}
	for d, kept := range map[string]bool{dead: false, live: true, build: false} {
		if _, err := os.Stat(d); (err == nil) != kept {
			t.Errorf("after RemoveInterrupted, %s exists = %v; want %v", d, err == nil, kept)
		}
	}
}
