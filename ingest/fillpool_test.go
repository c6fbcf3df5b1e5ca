package ingest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// trickyClicks writes a generic clicks file of n rows with a BOM and CRLF
// line ends, quoted user agents holding line breaks and doubled quotes,
// and bad rows (a missing field, invalid UTF-8, a bad timestamp, an empty
// required cell, an implausible date, broken quoting) placed at random and
// around the parser's batch boundaries (every csvBatchRows rows), where
// one batch's rows meet the next one's on another worker.
func trickyClicks(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString("\ufeffclick_id,ts,url,link_id,user_agent,ip,referrer,country,device\r\n")
	near := func(i int) bool { m := i % csvBatchRows; return m <= 2 || m >= csvBatchRows-2 }
	for i := 1; i <= n; i++ {
		ts := fmt.Sprintf("2026-%02d-%02dT%02d:%02d:%02dZ", 9+i*3/n, 1+i%28, i%24, i%60, (i*7)%60)
		ua := fmt.Sprintf("Mozilla/5.0 (agent %d)", i%37)
		url := fmt.Sprintf("https://shop.example/p?utm_source=tiktok&utm_medium=live&utm_content=s-%d&email=a%d@example.com", i%50, i%9)
		line := fmt.Sprintf("c%07d,%s,%s,lk-%d,%s,198.51.100.%d,https://www.tiktok.com/,US,mobile", i, ts, url, i%11, ua, i%250)
		bad := near(i) && r.IntN(3) == 0 || r.IntN(40) == 0
		switch {
		case r.IntN(25) == 0:
			// a quoted agent over two lines with a doubled quote
			line = fmt.Sprintf("c%07d,%s,%s,,\"Agent \"\"%d\"\"\r\nsecond line\",203.0.113.%d,,DE,desktop", i, ts, url, i, i%200)
		case bad:
			switch r.IntN(6) {
			case 0:
				line = fmt.Sprintf("c%07d,%s,%s,,ua,1.2.3.4,,US", i, ts, url) // a field short
			case 1:
				line = fmt.Sprintf("c%07d,%s,%s,,ua \xff\xfe,1.2.3.4,,US,mobile", i, ts, url)
			case 2:
				line = fmt.Sprintf("c%07d,yesterday,%s,,ua,1.2.3.4,,US,mobile", i, url)
			case 3:
				line = fmt.Sprintf("c%07d,,%s,,ua,1.2.3.4,,US,mobile", i, url)
			case 4:
				line = fmt.Sprintf("c%07d,1901-01-01T00:00:00Z,%s,,ua,1.2.3.4,,US,mobile", i, url)
			case 5:
				line = fmt.Sprintf("c%07d,%s,%s,,\"ua\"x,1.2.3.4,,US,mobile", i, ts, url)
			}
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	return b.String()
}

// TestParallelFillMatchesSequential imports the same tricky files on one
// fill worker (the sequential path) and on several, into two lakes, and
// wants the same counts, the same rejects in the same order (file, line,
// column, reason, record), the same rows and byte-identical lake files.
func TestParallelFillMatchesSequential(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows int
		seed uint64
	}{{"small", 700, 1}, {"batches", 9000, 2}, {"more", 20000, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeInput(t, "clicks.csv", trickyClicks(tc.rows, tc.seed))
			var lakes []*Lake
			var stats []*Stats
			for _, workers := range []int{1, 2, 5} {
				lake := newTestLake(t)
				st := importOK(t, lake, p, Options{Kind: "clicks", workers: workers})
				checkRejectsStored(t, lake, st)
				lakes, stats = append(lakes, lake), append(stats, st)
			}
			seq := stats[0]
			if seq.Rejected < 10 || seq.Accepted < tc.rows/2 {
				t.Fatalf("sequential import: %d accepted, %d rejected of %d rows; the file should have both", seq.Accepted, seq.Rejected, tc.rows)
			}
			seqRows := tableRows(t, lakes[0], Clicks)
			for i, st := range stats[1:] {
				if st.Read != seq.Read || st.Accepted != seq.Accepted || st.Rejected != seq.Rejected || !reflect.DeepEqual(st.Written, seq.Written) {
					t.Errorf("parallel %d: read %d accepted %d rejected %d written %v; sequential %d %d %d %v",
						i, st.Read, st.Accepted, st.Rejected, st.Written, seq.Read, seq.Accepted, seq.Rejected, seq.Written)
				}
				if !reflect.DeepEqual(st.Rejects, seq.Rejects) {
					for k := range min(len(st.Rejects), len(seq.Rejects)) {
						if !reflect.DeepEqual(st.Rejects[k], seq.Rejects[k]) {
							t.Fatalf("parallel %d: reject %d = %+v; sequential %+v", i, k, st.Rejects[k], seq.Rejects[k])
						}
					}
					t.Fatalf("parallel %d: %d rejects; sequential %d", i, len(st.Rejects), len(seq.Rejects))
				}
				if got := tableRows(t, lakes[i+1], Clicks); !reflect.DeepEqual(got, seqRows) {
					t.Errorf("parallel %d: %d rows differ from the sequential %d", i, len(got), len(seqRows))
				}
				for _, folder := range []string{"clicks", "_rejects"} {
					a, b := lakeFiles(t, lakes[0], folder), lakeFiles(t, lakes[i+1], folder)
					if len(a) != len(b) || len(a) == 0 {
						t.Fatalf("%s: %d files sequential, %d parallel", folder, len(a), len(b))
					}
					for k := range a {
						ra, rb := rel(t, lakes[0], a[k]), rel(t, lakes[i+1], b[k])
						if ra != rb || !bytes.Equal(readFile(t, a[k]), readFile(t, b[k])) {
							t.Errorf("parallel %d: %s differs from the sequential %s", i, rb, ra)
						}
					}
				}
			}
		})
	}
}

func rel(t *testing.T, lake *Lake, p string) string {
	r, err := filepath.Rel(lake.Dir, p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readFile(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScrubShortcutMissesNothing: scrub skips a URL when mayHold finds no
// personal parameter in it; on random queries (names in any case, escaped,
// with '+', non-ASCII, empty values, fragments) the full scrub never
// changes a URL that the shortcut skips, and does change one it scrubs
// when a personal name is plainly there.
func TestScrubShortcutMissesNothing(t *testing.T) {
	s := newURLScrubber(append([]string{"é-mail"}, DefaultURLParams...), newHasher("s"))
	names := []string{"utm_source", "email", "EMAIL", "E%2Dmail", "e-mail", "%65mail", "name", "full+name", "x", "É-MAIL", "É-mail", "é-mail", "ip", "Ip", "zip", "zipper", ""}
	r := rand.New(rand.NewPCG(7, 7))
	plain := 0
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		b.WriteString("https://shop.example/p?")
		for k := r.IntN(5); k >= 0; k-- {
			b.WriteString(names[r.IntN(len(names))])
			if r.IntN(6) > 0 {
				b.WriteString("=")
				if r.IntN(5) > 0 {
					fmt.Fprintf(&b, "v%d", r.IntN(100))
				}
			}
			if k > 0 {
				b.WriteString("&")
			}
		}
		if r.IntN(8) == 0 {
			b.WriteString("#email=x")
		}
		u := b.String()
		q := strings.IndexByte(u, '?')
		full := s.scrubQuery(u, q)
		if !s.mayHold(u[q+1:]) && full != u {
			t.Fatalf("mayHold(%q) = false, but scrub makes it %q", u, full)
		}
		if s.mayHold(u[q+1:]) && full != u {
			plain++
		}
	}
	if plain < 1000 {
		t.Errorf("only %d of the random URLs held a personal parameter; the test would not see a miss", plain)
	}
}

// FuzzParallelFill imports each input on one fill worker and on three and
// wants the same outcome: counts, rejects in order, rows.
//
//	TMPDIR=/dev/shm go test ./ingest -run '^$' -fuzz '^FuzzParallelFill$' -fuzztime 60s -fuzzminimizetime 5s
func FuzzParallelFill(f *testing.F) {
	for _, s := range []string{sample("clicks.csv"), invalid("clicks-wrong-column-count.csv")} {
		f.Add(fixtureHead(f, s, 12), uint8(0))
	}
	f.Add([]byte(trickyClicks(40, 9)), uint8(1))
	f.Add([]byte("stream_id,started_at,ended_at\ns1,2026-11-01T10:00:00Z,2026-11-01T09:00:00Z\n"), tableIndex("streams"))
	f.Fuzz(func(t *testing.T, data []byte, table uint8) {
		tbl := Tables[int(table)%len(Tables)]
		var got []*Stats
		var rows [][]row
		for _, workers := range []int{1, 3} {
			dir := t.TempDir()
			p := filepath.Join(dir, "in.csv")
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			lake := &Lake{Dir: filepath.Join(dir, "lake")}
			st, err := Import(context.Background(), lake, p, Options{Kind: tbl.Name, Format: "generic", Salt: "fuzz-salt", Now: importNow, workers: workers})
			if err != nil {
				got = append(got, nil)
				continue
			}
			got = append(got, st)
			rows = append(rows, tableRows(t, lake, tbl))
		}
		if (got[0] == nil) != (got[1] == nil) {
			t.Fatalf("one worker: %v; three: %v", got[0], got[1])
		}
		if got[0] == nil {
			return
		}
		a, b := got[0], got[1]
		if a.Read != b.Read || a.Accepted != b.Accepted || a.Rejected != b.Rejected || !reflect.DeepEqual(a.Rejects, b.Rejects) || !reflect.DeepEqual(rows[0], rows[1]) {
			t.Fatalf("one worker: %+v; three: %+v", a, b)
		}
	})
}

// TestLastURLCachesChangeNothing: the URL scrubber and the UTM parser of a
// fill worker remember the last URL's result. Over random URLs that repeat
// row after row, now and then with personal parameters, other stream
// parameters or an empty URL between, the cached results must be what a
// scrubber and parser without memory return.
func TestLastURLCachesChangeNothing(t *testing.T) {
	params := DefaultURLParams
	cached := newURLScrubber(params, newHasher("s"))
	var utms utmCache
	r := rand.New(rand.NewPCG(3, 9))
	urls := []string{
		"https://shop.example/p?utm_source=TikTok&utm_content=s-1&sid=a",
		"https://shop.example/p?utm_source=tiktok&utm_content=s-2&email=x%40y.z",
		"https://shop.example/p?Email=x&utm_campaign=C",
		"https://shop.example/p?utm_source=ig#utm_source=frag",
		"https://shop.example/p",
		"https://shop.example/p?email=v1", // three of one length: two scrubbed apart, one kept
		"https://shop.example/p?email=v2",
		"https://shop.example/p?other=v2",
		"",
	}
	changed, hits := 0, 0
	prev := ""
	for n := 0; n < 5000; n++ {
		u := urls[r.IntN(len(urls))]
		if r.IntN(3) > 0 {
			u = prev // repeat the row before
		}
		if u == prev {
			hits++
		}
		prev = u
		param := []string{"sid", "stream"}[r.IntN(2)]
		want := newURLScrubber(params, newHasher("s")).scrub(u)
		if got := cached.scrub(u); got != want {
			t.Fatalf("scrub(%q) = %q after %q; want %q", u, got, cached.lastIn, want)
		}
		if want != u {
			changed++
		}
		if got, want := utms.parse(u, param), parseUTM(u, param); got != want {
			t.Fatalf("UTM of %q (stream parameter %s) = %+v; want %+v", u, param, got, want)
		}
	}
	if changed < 500 || hits < 2000 {
		t.Errorf("%d URLs scrubbed, %d repeated: the test would not see a stale result", changed, hits)
	}
}
