package ingest

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// Benchmarks of the per-row hot paths of an import. Each reports
// allocations; the per-row parsers should not allocate at all.
//
//	go test ./ingest -run '^$' -bench 'CSVRows|Parse|UTM|Bot|Referrer|VisitorKey|GenericClick|PartWriter' -benchmem

// clickCSV returns a generated click file of n rows in memory.
func clickCSV(b *testing.B, n int) []byte {
	b.Helper()
	path := filepath.Join(b.TempDir(), "clicks.csv")
	writeClicks(b, path, n)
	data, err := readFileBytes(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkCSVRows reads a click CSV through the tabular reader: delimiter
// detection, quoting, line numbers, field-count and UTF-8 checks, rows
// handed over from the parser goroutine. "fast" reads simple lines itself,
// "encoding-csv" leaves every line to encoding/csv. One op is one row.
func BenchmarkCSVRows(b *testing.B) {
	const rows = 20_000
	data := clickCSV(b, rows)
	for _, fast := range []bool{true, false} {
		name := "fast"
		if !fast {
			name = "encoding-csv"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)) / rows)
			b.ReportAllocs()
			n := 0
			for n < b.N {
				c, err := newCSVRows(bytes.NewReader(data), 0)
				if err != nil {
					b.Fatal(err)
				}
				c.fast = fast
				for c.Next() && n < b.N {
					if c.Err() != nil {
						b.Fatal(c.Err())
					}
					n++
				}
				c.Close()
			}
		})
	}
}

var sinkI int64
var sinkS string
var sinkT time.Time

func BenchmarkParseMoney(b *testing.B) {
	for _, s := range []string{"1250.50", "1,250.50", "-3"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				v, err := parseMoney(s, '.')
				if err != nil {
					b.Fatal(err)
				}
				sinkI += v
			}
		})
	}
}

func BenchmarkParseAmount(b *testing.B) {
	for _, s := range []string{"$1,250.50", "1.250,50"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				v, err := parseAmount(s, '.')
				if err != nil {
					b.Fatal(err)
				}
				sinkI += v
			}
		})
	}
}

func BenchmarkParseTime(b *testing.B) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []string{"2026-11-02T22:51:42Z", "2026-11-02T22:51:42.123-05:00", "2026-11-05 19:00:00 -0500", "2026-11-05 19:00:00"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				t, err := parseTime(s, ny, "time_zones.generic")
				if err != nil {
					b.Fatal(err)
				}
				sinkT = t
			}
		})
	}
}

const benchURL = "https://shop.glowlab.example/products/vitamin-c-serum-30ml?utm_source=tiktok&utm_medium=live&utm_campaign=glowlab-live&utm_content=s-2026-11-02-ana"

func BenchmarkParseUTM(b *testing.B) {
	b.SetBytes(int64(len(benchURL)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		u := parseUTM(benchURL, "utm_content")
		sinkS = u.stream
	}
}

// BenchmarkBotMatch matches user agents against the bot list: "repeat"
// cycles through 300 agents (the cache answers), "unique" through 50,000,
// more than the cache holds (the patterns are scanned).
func BenchmarkBotMatch(b *testing.B) {
	for _, n := range []int{300, 50_000} {
		agents := make([]string, n)
		for i := range agents {
			agents[i] = fmt.Sprintf("Mozilla/5.0 (iPhone; CPU iPhone OS 18_%d like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148", i)
		}
		name := "repeat"
		if n > maxSeenAgents {
			name = "unique"
		}
		b.Run(name, func(b *testing.B) {
			m := newBotMatcher(nil)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sinkS = m.match(agents[i%len(agents)])
			}
		})
	}
}

func BenchmarkReferrerHost(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkS = referrerHost("https://www.tiktok.com/")
	}
}

func BenchmarkVisitorKey(b *testing.B) {
	h := newHasher("bench-salt")
	const ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkS = h.key("visitor", "198.51.100.84", ua)
	}
}

// benchClickRows returns the parsed cells of a generated click file.
func benchClickRows(b *testing.B, n int) (header []string, rows [][]string) {
	c, err := newCSVRows(bytes.NewReader(clickCSV(b, n)), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for c.Next() {
		rows = append(rows, append([]string(nil), c.rec...))
	}
	return c.hdr.Raw, rows
}

// BenchmarkGenericClick validates one generic click row into a record:
// timestamp, UTM parameters, bot match, salted visitor key, referrer host.
func BenchmarkGenericClick(b *testing.B) {
	hdr, rows := benchClickRows(b, 1000)
	opt := Options{Kind: "clicks", StreamParam: "utm_content"}
	rd := &reader{file: "clicks.csv", sha: string(bytes.Repeat([]byte("0"), 64)), opt: &opt,
		hash: newHasher("bench"), bots: newBotMatcher(nil), pii: map[string]bool{}}
	plan, unknown := planGeneric(Clicks, hdr)
	if len(unknown) > 0 {
		b.Fatal(unknown)
	}
	rec := NewRecord(Clicks)
	where := func(i int) (int, int) { return 2, i + 1 }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec.Reset()
		rec.Line = i + 2
		if rj := plan.fill(rd, rec, rows[i%len(rows)], where); rj != nil {
			b.Fatal(rj)
		}
	}
}

// BenchmarkPartWriter writes click rows to one lake part file: rows added
// to a batch (Arrow's column layout), each full batch wrapped in an Arrow
// record and written as a Parquet row group (snappy). One op is one row.
func BenchmarkPartWriter(b *testing.B) {
	hdr, rows := benchClickRows(b, 4096)
	opt := Options{Kind: "clicks", StreamParam: "utm_content"}
	rd := &reader{file: "clicks.csv", sha: string(bytes.Repeat([]byte("0"), 64)), opt: &opt,
		hash: newHasher("bench"), bots: newBotMatcher(nil), pii: map[string]bool{}, format: &Format{Name: "generic", Kind: "clicks"}}
	plan, _ := planGeneric(Clicks, hdr)
	recs := make([]*Record, len(rows))
	lay := layoutOf(Clicks)
	for i, row := range rows {
		recs[i] = NewRecord(Clicks)
		recs[i].Line = i + 2
		if rj := plan.fill(rd, recs[i], row, func(int) (int, int) { return i + 2, 1 }); rj != nil {
			b.Fatal(rj)
		}
		recs[i].Vals[lay.line] = Value{Valid: true, I: int64(i + 2)}
		recs[i].Vals[lay.format] = Value{Valid: true, S: "clicks/generic"}
	}
	k := &consts{sha: rd.sha, seq: 1}
	dir := b.TempDir()
	bt := newBatch(lay)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for n < b.N {
		w, err := newPartWriter(Clicks, filepath.Join(dir, fmt.Sprintf("p%d.parquet", n)))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 4*batchRows && n < b.N; i++ {
			bt.add(recs[i%len(recs)].Vals)
			if bt.full() {
				if err := w.write(bt, k); err != nil {
					b.Fatal(err)
				}
				bt.written()
				bt.reset()
			}
			n++
		}
		if err := w.write(bt, k); err != nil {
			b.Fatal(err)
		}
		bt.written()
		bt.reset()
		if err := w.close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReferrerHostCached is the hot path: the import's cache of hosts.
func BenchmarkReferrerHostCached(b *testing.B) {
	var c hostCache
	refs := []string{"https://www.tiktok.com/", "https://l.instagram.com/", "https://m.youtube.com/", "https://www.amazon.com/live"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkS = c.host(refs[i%len(refs)])
	}
}
