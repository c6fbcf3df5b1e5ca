package ingest

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	tests := []struct {
		file, kind           string
		format, container    string
		preamble             int
		delimiter, firstHead string
		missing              string // a candidate's missing header when no format matches
	}{
		{file: "amazon-orders/orders.csv", format: "amazon-orders", preamble: 1, delimiter: ",", firstHead: "Category"},
		{file: "amazon-orders/orders-in.zip", format: "amazon-orders", container: "ZIP archive holding Fee-Orders-IN.tsv", preamble: 1, delimiter: "tab", firstHead: "Category"},
		{file: "amazon-earnings/workbook.xlsx", kind: "orders", format: "amazon-orders", container: `XLSX workbook, sheet "Fee-Orders" of Fee-Summary, Fee-Orders, Fee-Earnings, and the returns of sheet "Fee-Earnings"`, preamble: 1, delimiter: ",", firstHead: "Category"},
		{file: "access-log/access.log.gz", format: "access-log", container: "gzip"},
		{file: "tiktok-shop/orders.csv", format: "tiktok-shop", delimiter: ",", firstHead: "Order ID"},
		{file: "bitly/broken.csv", kind: "orders", delimiter: ",", firstHead: "link", missing: "asin"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := Probe("testdata/formats/"+tt.file, Options{Kind: tt.kind, Merchant: "m", TimeZones: map[string]string{"amazon-orders": "UTC", "tiktok-shop": "UTC"}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Format != tt.format || r.Container != tt.container || len(r.Preamble) != tt.preamble || r.Delimiter != tt.delimiter {
				t.Errorf("Probe(%q) = format %q, container %q, preamble %d, delimiter %q; want %q, %q, %d, %q",
					tt.file, r.Format, r.Container, len(r.Preamble), r.Delimiter, tt.format, tt.container, tt.preamble, tt.delimiter)
			}
			if tt.firstHead != "" && (len(r.Header) == 0 || r.Header[0] != tt.firstHead) {
				t.Errorf("Probe(%q).Header = %q; want it to start with %q", tt.file, r.Header, tt.firstHead)
			}
			if tt.format != "" && (len(r.Samples) == 0 || r.Read != r.Accepted+r.Rejected) {
				t.Errorf("Probe(%q): %d samples, read %d accepted %d rejected %d; want samples and read = accepted + rejected", tt.file, len(r.Samples), r.Read, r.Accepted, r.Rejected)
			}
			if tt.missing != "" {
				found := false
				for _, c := range r.Candidates {
					found = found || strings.Contains(strings.Join(c.Missing, ","), tt.missing)
				}
				if !found {
					t.Errorf("Probe(%q).Candidates = %v; want one missing %q", tt.file, r.Candidates, tt.missing)
				}
			}
		})
	}
}

// TestProbeReadsABoundedPrefix: a large file whose rows are all rejects
// (nothing stops the read at probeMaxRows accepted rows) and a gzip bomb
// of such rows are read only to probeMaxBytes, to the end of a line: the
// probe says it read the first rows only, its counts add up, and it holds
// a bounded number of rejects.
func TestProbeReadsABoundedPrefix(t *testing.T) {
	var b strings.Builder
	b.WriteString("stream_id,affiliate_id,started_at,ended_at\n")
	for b.Len() < 3*probeMaxBytes {
		b.WriteString("s1,ana,yesterday-ish,later\n")
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "streams.csv")
	if err := os.WriteFile(plain, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(b.String()))
	zw.Close()
	packed := filepath.Join(dir, "streams.csv.gz")
	if err := os.WriteFile(packed, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	total := strings.Count(b.String(), "\n") - 1
	for _, path := range []string{plain, packed} {
		r, err := Probe(path, Options{Kind: "streams"})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Truncated || r.Read == 0 || r.Read >= total || r.Read != r.Accepted+r.Rejected || r.Accepted != 0 {
			t.Errorf("Probe(%s) = truncated %v, read %d (of %d), accepted %d, rejected %d; want the first rows only, all rejected",
				filepath.Base(path), r.Truncated, r.Read, total, r.Accepted, r.Rejected)
		}
		if want := probeMaxBytes / len("s1,ana,yesterday-ish,later\n"); r.Read < want-2 || r.Read > want+2 {
			t.Errorf("Probe(%s) read %d rows; want about %d (probeMaxBytes of lines)", filepath.Base(path), r.Read, want)
		}
	}
}
