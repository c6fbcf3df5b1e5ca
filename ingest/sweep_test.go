package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitSweepsAnInterruptedImport: an import killed after its data files
// were renamed into place but before its manifest entry was written leaves
// files that count for nothing. Imported again under another time zone, the
// same file's rows land in another month partition, and the old files — no
// longer overwritten — would count as soon as the new manifest entry exists.
// Init (which every command runs under the workspace lock before importing)
// removes them, with any temporary file.
func TestInitSweepsAnInterruptedImport(t *testing.T) {
	lake := newTestLake(t)
	// 05:00 on 1 November, local time: 2026-10-31T15:00Z in Kiritimati
	// (UTC+14), 2026-11-01T10:00Z in New York (EST, UTC-5, after the DST end
	// at 02:00 that morning).
	p := writeInput(t, "plan.csv", "stream_id,affiliate_id,started_at,ended_at\ns1,a1,2026-11-01 05:00,2026-11-01 06:00\n")
	st := importOK(t, lake, p, Options{Kind: "streams", TimeZones: map[string]string{"generic": "Pacific/Kiritimati"}})
	id := fileID(st.SHA256) + ".parquet"
	october := filepath.Join(lake.Dir, "streams", "year=2026", "month=10", id)
	if _, err := os.Stat(october); err != nil {
		t.Fatalf("the first import did not write %s: %v", october, err)
	}
	// the crash: the manifest entry never made it
	if err := os.Remove(filepath.Join(lake.Dir, "_manifest", id)); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(lake.Dir, "clicks", "year=2026", "month=11", ".0123456789abcdef.parquet.tmp-31337")
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("PAR1 half a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	marts := filepath.Join(lake.Dir, "marts", "stream_kpis.parquet")
	if err := os.WriteFile(marts, []byte("a mart"), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := Init(lake); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{october, tmp} {
		if _, err := os.Stat(gone); err == nil {
			t.Errorf("Init left %s", strings.TrimPrefix(gone, lake.Dir))
		}
	}
	for _, kept := range []string{marts, filepath.Join(lake.Dir, "streams", "_schema.parquet")} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("Init removed %s", strings.TrimPrefix(kept, lake.Dir))
		}
	}

	importOK(t, lake, p, Options{Kind: "streams", TimeZones: map[string]string{"generic": "America/New_York"}})
	rows := tableRows(t, lake, streamsTable(t))
	if len(rows) != 1 || rows[0].ts("started_at") != "2026-11-01T10:00:00Z" {
		var got []string
		for _, r := range rows {
			got = append(got, r.ts("started_at"))
		}
		t.Errorf("streams rows started at %v; want only 2026-11-01T10:00:00Z", got)
	}
	if m, _ := lake.Manifest(context.Background()); len(m) != 1 {
		t.Errorf("manifest has %d entries; want 1", len(m))
	}
}

func streamsTable(t *testing.T) *Table {
	t.Helper()
	tbl := TableByName("streams")
	if tbl == nil {
		t.Fatal("no streams table")
	}
	return tbl
}
