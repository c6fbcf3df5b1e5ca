package ingest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/metadata"
)

// TestHasherKeyIsSaltedSHA256 pins the salted key to its definition,
// computed here with crypto/sha256 directly: the first 16 bytes of
// SHA-256("s3cret" 0x00 "visitor" 0x00 ip 0x00 user agent) in hex.
func TestHasherKeyIsSaltedSHA256(t *testing.T) {
	sum := sha256.Sum256([]byte("s3cret\x00visitor\x00198.51.100.7\x00Mozilla/5.0 (iPhone)"))
	want := hex.EncodeToString(sum[:16])
	h := newHasher("s3cret")
	for i := 0; i < 2; i++ { // the second call reuses the buffers
		if got := h.key("visitor", "198.51.100.7", "Mozilla/5.0 (iPhone)"); got != want {
			t.Fatalf("key(visitor, ip, ua) = %q; want %q", got, want)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { sinkS = h.key("visitor", "198.51.100.7", "Mozilla/5.0 (iPhone)") }); allocs > 1 {
		t.Errorf("key allocates %v times per call; want at most 1 (the key string)", allocs)
	}
}

// TestImportSkipComesFirst: a file already in the manifest is skipped even
// when importing it now would fail (no merchant given, a forced format it
// does not have): the manifest decides before the content does.
func TestImportSkipComesFirst(t *testing.T) {
	lake := newTestLake(t)
	p := writeInput(t, "orders_export.csv", shopifyHeader+"#1,a@example.com,paid,,USD,10.00,,,2026-11-03 19:05:12 -0500,,,1,A,10.00,,\n")
	first := importOK(t, lake, p, Options{Kind: "orders", Merchant: "glowlab"})
	before := snapshot(t, lake.Dir)
	for _, opt := range []Options{{Kind: "orders"}, {Kind: "orders", Format: "cj"}} {
		st := importOK(t, lake, p, opt)
		if !st.Skipped || st.SHA256 != first.SHA256 || st.Format != "shopify" || st.Read != 0 {
			t.Errorf("import again with %+v = %+v; want skipped (format shopify, sha %s)", opt, st, first.SHA256[:12])
		}
	}
	if after := snapshot(t, lake.Dir); len(after) != len(before) {
		t.Errorf("lake has %d files after the skipped imports; want %d", len(after), len(before))
	}
}

// TestImportRetryFailureKeepsEarlierImport: a file imported with rejects
// is imported again when the settings change; when that import fails, the
// earlier one stays (its manifest entry and rows); when it succeeds, it
// replaces the earlier one under the same import sequence.
func TestImportRetryFailureKeepsEarlierImport(t *testing.T) {
	lake := newTestLake(t)
	// s2 starts at a local time: rejected until time_zones.generic is set
	p := writeInput(t, "streams.csv", "stream_id,affiliate_id,started_at,ended_at\n"+
		"s1,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z\ns2,ana,2026-11-02 20:00:00,2026-11-02T21:45:00Z\n")
	first := importOK(t, lake, p, Options{Kind: "streams"})
	if first.Accepted != 1 || first.Rejected != 1 {
		t.Fatalf("first import = %+v; want 1 accepted, 1 rejected", first)
	}
	zone := map[string]string{"generic": "UTC"}
	_, err := Import(context.Background(), lake, p, Options{Kind: "streams", Format: "no-such-format", TimeZones: zone, Salt: testSalt, Now: importNow})
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("import with an unknown format: error = %v; want a *FileError", err)
	}
	m, _ := lake.Manifest(context.Background())
	if len(m) != 1 || m[0].SHA256 != first.SHA256 || m[0].RowsRejected != 1 {
		t.Fatalf("manifest after the failed retry = %+v; want the first import", m)
	}
	if rows := tableRows(t, lake, Streams); len(rows) != 1 || rows[0].s("stream_id") != "s1" {
		t.Fatalf("streams after the failed retry = %d rows; want s1 of the first import", len(rows))
	}
	second := importOK(t, lake, p, Options{Kind: "streams", TimeZones: zone})
	if second.Skipped || second.Retried != 1 || second.Accepted != 2 || second.Rejected != 0 {
		t.Fatalf("retry = %+v; want 2 accepted, Retried 1", second)
	}
	m, _ = lake.Manifest(context.Background())
	rows := tableRows(t, lake, Streams)
	if len(m) != 1 || m[0].ImportSeq != 1 || m[0].RowsAccepted != 2 || len(rows) != 2 {
		t.Errorf("after the retry: manifest %+v, %d stream rows; want one entry (import_seq 1, 2 accepted) and 2 rows", m, len(rows))
	}
	for _, r := range rows {
		if r.i("import_seq") != 1 || r.s("source_sha256") != first.SHA256 {
			t.Errorf("row %s: import_seq %d, source_sha256 %s; want 1 and the file's sha256", r.s("stream_id"), r.i("import_seq"), r.s("source_sha256"))
		}
	}
}

// TestImportRowGroups imports more rows than a batch holds and checks each
// Parquet row group: its row count, and the statistics of a text column
// whose values change from batch to batch, written both plainly (click_id)
// and through a dictionary (device). The statistics of a row group refer to
// the batch's text until the row group closes, so a batch reused before
// then would show here as another group's values.
func TestImportRowGroups(t *testing.T) {
	const n = 2*batchRows + 1000
	p := filepath.Join(t.TempDir(), "clicks.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "click_id,ts,url,device,user_agent")
	for i := 0; i < n; i++ {
		// every row in November 2026 (one partition); device names the batch
		fmt.Fprintf(w, "c%06d,2026-11-05T19:%02d:%02dZ,https://shop.example/p?utm_content=s-%d,dev-%d,Mozilla/5.0\n", i, i/60%60, i%60, i%7, i/batchRows)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	lake := newTestLake(t)
	st := importOK(t, lake, p, Options{Kind: "clicks"})
	if st.Accepted != n {
		t.Fatalf("accepted %d; want %d", st.Accepted, n)
	}
	files := lakeFiles(t, lake, "clicks")
	if len(files) != 1 {
		t.Fatalf("clicks files = %v; want one partition", files)
	}
	pf, err := file.OpenParquetFile(files[0], false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if got := pf.NumRowGroups(); got != 3 {
		t.Fatalf("row groups = %d; want 3 (%d rows in batches of %d)", got, n, batchRows)
	}
	for g := 0; g < 3; g++ {
		rg := pf.MetaData().RowGroup(g)
		first, last := g*batchRows, min((g+1)*batchRows, n)-1
		if rg.NumRows() != int64(last-first+1) {
			t.Errorf("row group %d: %d rows; want %d", g, rg.NumRows(), last-first+1)
		}
		for _, c := range []struct{ col, min, max string }{
			{"click_id", fmt.Sprintf("c%06d", first), fmt.Sprintf("c%06d", last)},
			{"device", fmt.Sprintf("dev-%d", g), fmt.Sprintf("dev-%d", g)},
			{"source_sha256", st.SHA256, st.SHA256},
			{"source_format", "clicks/generic", "clicks/generic"},
		} {
			cc, err := rg.ColumnChunk(Clicks.Col(c.col))
			if err != nil {
				t.Fatal(err)
			}
			stats, err := cc.Statistics()
			if err != nil || stats == nil {
				t.Fatalf("row group %d %s: no statistics (%v)", g, c.col, err)
			}
			bs := stats.(*metadata.ByteArrayStatistics)
			if string(bs.Min()) != c.min || string(bs.Max()) != c.max {
				t.Errorf("row group %d %s: min %q max %q; want %q, %q", g, c.col, bs.Min(), bs.Max(), c.min, c.max)
			}
		}
	}
	rows := tableRows(t, lake, Clicks)
	for _, i := range []int{0, batchRows - 1, batchRows, 2 * batchRows, n - 1} {
		r := rows[i]
		if r.s("click_id") != fmt.Sprintf("c%06d", i) || r.s("device") != fmt.Sprintf("dev-%d", i/batchRows) ||
			r.s("utm_content") != fmt.Sprintf("s-%d", i%7) || r.i("source_line") != int64(i+2) {
			t.Errorf("row %d = click_id %s, device %s, utm_content %s, line %d", i, r.s("click_id"), r.s("device"), r.s("utm_content"), r.i("source_line"))
		}
	}
}

// TestCSVRowsClose: closing the rows before the end stops the parser
// goroutine (which reads ahead) without waiting for the rest of the input.
func TestCSVRowsClose(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := 0; i < 50*csvBatchRows; i++ {
		fmt.Fprintf(&b, "%d,x\n", i)
	}
	rows, err := newCSVRows(strings.NewReader(b.String()), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if !rows.Next() || rows.Field(0) != fmt.Sprint(i) || rows.line != i+2 {
			t.Fatalf("row %d: %q on line %d", i, rows.rec, rows.line)
		}
	}
	rows.Close()
	if rows.Next() {
		t.Error("Next after Close = true; want false")
	}
	rows.Close() // twice is fine
}

// TestPartWriterKeepsTextOfOpenRowGroup: the last column chunk of a row
// group stays open, its statistics referring to the batch's text, until the
// row group closes (partWriter.write closes it before the batch is reused).
// A table whose last column is plain text shows whether a batch's text is
// reused too early: each row group's statistics must still name its own rows.
func TestPartWriterKeepsTextOfOpenRowGroup(t *testing.T) {
	tbl := newBareTable("t", []string{"id"}, "", req("n", Int), unique(req("id", String)))
	p := filepath.Join(t.TempDir(), "t.parquet")
	w, err := newPartWriter(tbl, p)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecord(tbl)
	const n = 3 * batchRows
	for i := 0; i < n; i++ {
		r.SetInt("n", int64(i))
		r.SetString("id", fmt.Sprintf("g%d-%06d", i/batchRows, i%batchRows))
		if err := w.add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	pf, err := file.OpenParquetFile(p, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	for g := 0; g < pf.NumRowGroups(); g++ {
		cc, err := pf.MetaData().RowGroup(g).ColumnChunk(1)
		if err != nil {
			t.Fatal(err)
		}
		stats, err := cc.Statistics()
		if err != nil {
			t.Fatal(err)
		}
		bs := stats.(*metadata.ByteArrayStatistics)
		if want := fmt.Sprintf("g%d-%06d", g, 0); string(bs.Min()) != want {
			t.Errorf("row group %d: id min %q; want %q", g, bs.Min(), want)
		}
		if want := fmt.Sprintf("g%d-%06d", g, batchRows-1); string(bs.Max()) != want {
			t.Errorf("row group %d: id max %q; want %q", g, bs.Max(), want)
		}
	}
}
