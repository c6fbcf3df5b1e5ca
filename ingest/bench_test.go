package ingest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// writeClicks writes a generic click CSV of n rows: the columns of a click
// log (ts, url with UTM parameters, user agent, IP, referrer, country,
// device), a bot every 25 rows.
func writeClicks(tb testing.TB, path string, n int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "click_id,ts,url,link_id,user_agent,ip,referrer,country,device")
	start := time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		ua := `"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"`
		if i%25 == 0 {
			ua = "facebookexternalhit/1.1"
		}
		fmt.Fprintf(w, "c%09d,%s,https://shop.example/products/p%d?utm_source=tiktok&utm_medium=live&utm_campaign=glow-live&utm_content=s-%d,lk-%d,%s,198.51.%d.%d,https://www.tiktok.com/,US,mobile\n",
			i, start.Add(time.Duration(i)*37*time.Millisecond).Format(time.RFC3339Nano), i%40, i%15, i%30, ua, (i/256)%256, i%256)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// peakHeap samples the live heap until stop is closed and returns its maximum.
func peakHeap(stop <-chan struct{}) func() uint64 {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// BenchmarkImportClicks imports a generated click CSV (validation, UTM
// parsing, hashing, bot matching, Parquet through pqarrow) into a fresh lake
// per iteration. It reports rows/s and the peak heap in use, which should
// stay flat as the row count grows (batches are bounded).
//
//	go test ./ingest -run '^$' -bench ImportClicks -benchtime 3x
func BenchmarkImportClicks(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			src := filepath.Join(dir, "clicks.csv")
			writeClicks(b, src, n)
			info, err := os.Stat(src)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(info.Size())
			b.ReportAllocs()
			runtime.GC()
			stop := make(chan struct{})
			peak := peakHeap(stop)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				lake := &Lake{Dir: filepath.Join(dir, fmt.Sprintf("lake-%d", i))}
				st, err := Import(context.Background(), lake, src, Options{Kind: "clicks", Salt: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				if st.Accepted != n || st.Rejected != 0 {
					b.Fatalf("accepted %d, rejected %d; want %d, 0", st.Accepted, st.Rejected, n)
				}
			}
			b.StopTimer()
			close(stop)
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		})
	}
}

func readFileBytes(path string) ([]byte, error) { return os.ReadFile(path) }
