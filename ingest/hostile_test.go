package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

// Hostile and broken input (issue 21): line endings, records beyond the
// size bound. The long cases (bombs of GiBs) are in bench/hostile.

// endings rewrites the line breaks of text (LF after normalising CRLF) as
// the variant says: "lf", "crlf", "cr", or "mixed" (LF, CRLF and CR in turn).
func endings(text []byte, variant string) []byte {
	text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	switch variant {
	case "crlf":
		return bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n"))
	case "cr":
		return bytes.ReplaceAll(text, []byte("\n"), []byte("\r"))
	case "mixed":
		var b bytes.Buffer
		for i, line := range bytes.SplitAfter(text, []byte("\n")) {
			if l, ok := bytes.CutSuffix(line, []byte("\n")); ok {
				b.Write(l)
				b.WriteString([]string{"\n", "\r\n", "\r"}[i%3])
				continue
			}
			b.Write(line)
		}
		return b.Bytes()
	}
	return text
}

// fileIDs are ids derived from the file's sha256 (which the endings change).
var fileIDs = regexp.MustCompile(`=[0-9a-f]{16}:`)

// endingCases are text fixtures of every text reader: CSV (vendor and
// generic, Shopify), JSONL and access logs, good and broken.
func endingCases() []fmtCase {
	fc := func(format, file, kind string, opt Options, plan string) fmtCase {
		return fmtCase{src: filepath.Join("testdata", "formats", format, file), kind: kind, opt: opt, plan: plan}
	}
	cases := []fmtCase{
		fc("access-log", "access.log", "clicks", Options{}, ""),
		fc("access-log", "broken.log", "clicks", Options{}, ""),
		fc("bitly", "clicks.csv", "clicks", Options{}, ""),
		fc("bitly", "broken.csv", "clicks", Options{}, ""),
		fc("cj", "commissions.csv", "orders", Options{}, ""),
		fc("impact", "actions.csv", "orders", Options{}, ""),
		fc("impact", "broken.csv", "orders", Options{}, ""),
		fc("live-events", "events.jsonl", "chat", Options{}, ""),
		fc("live-events", "broken.jsonl", "chat", Options{}, ""),
		fc("tiktok-ads", "report.csv", "spend", Options{}, ""),
		fc("tiktok-shop", "orders.csv", "orders", tiktokShopOpt, ""),
		fc("amazon-orders", "orders.csv", "orders", Options{Merchant: "amazon-us", TimeZones: amazonZones}, ""),
		fc("amazon-earnings", "earnings.csv", "orders", Options{Merchant: "amazon-us", TimeZones: amazonZones}, ""),
		fc("youtube-live", "report.csv", "stream_metrics", Options{}, ""),
		fc("tiktok-live", "live.csv", "stream_metrics", tiktokLiveOpt, "plan-streams.csv"),
		fc("tiktok-live-minutes", "minutes.json", "stream_metrics", Options{}, "plan-streams.csv"),
	}
	for _, dir := range []string{"sample", "invalid"} {
		files, _ := filepath.Glob(filepath.Join("..", "fixtures", dir, "*"))
		for _, p := range files {
			base := filepath.Base(p)
			if base == "README.md" {
				continue
			}
			kind, _, _ := strings.Cut(base, "-")
			kind = strings.TrimSuffix(strings.TrimSuffix(kind, ".csv"), ".jsonl")
			cases = append(cases, fmtCase{src: p, kind: kind, opt: Options{Merchant: "shop-1"}})
		}
	}
	return cases
}

// TestLineEndings: CR, LF, CRLF and mixes each end a record in every text
// format, so that a file reads the same rows, rejects and line numbers
// whatever its line endings (a bare-CR Shopify export read as 0 rows before).
func TestLineEndings(t *testing.T) {
	for _, c := range endingCases() {
		t.Run(filepath.Base(filepath.Dir(c.src))+"/"+filepath.Base(c.src), func(t *testing.T) {
			orig, err := os.ReadFile(c.src)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.ToSlash(c.src)
			var want string
			for _, v := range []string{"lf", "crlf", "cr", "mixed"} {
				vc := c
				vc.src = filepath.Join(t.TempDir(), filepath.Base(c.src))
				vc.opt.Name = name
				if err := os.WriteFile(vc.src, endings(orig, v), 0o644); err != nil {
					t.Fatal(err)
				}
				got := fileIDs.ReplaceAllString(fmtImportGolden(t, "", vc), "=ID:")
				if v == "lf" {
					want = got
					continue
				}
				if got != want {
					t.Errorf("%s endings read differently from LF:\n%s", v, lineDiff(want, got))
				}
			}
		})
	}
}

// TestLineEndingsRecordCount: read equals the records in the file (its
// non-blank lines, less the header for CSV), whatever the endings — the
// sample chat with some CR endings read 373 of 559 lines before.
func TestLineEndingsRecordCount(t *testing.T) {
	for _, tc := range []struct {
		file, kind string
		header     int
	}{
		{"../fixtures/sample/chat.jsonl", "chat", 0},
		{"../fixtures/sample/clicks.csv", "clicks", 1},
		{"../fixtures/sample/orders-shopify-glowlab.csv", "orders", 1},
		{"testdata/formats/access-log/access.log", "clicks", 0},
	} {
		orig, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		records := len(bytes.Fields(bytes.ReplaceAll(orig, []byte(" "), []byte("_")))) - tc.header
		for _, v := range []string{"cr", "mixed"} {
			p := writeInput(t, filepath.Base(tc.file), string(endings(orig, v)))
			st := importOK(t, newTestLake(t), p, Options{Kind: tc.kind, Merchant: "shop-1"})
			if st.Read != records {
				t.Errorf("%s with %s endings: read %d; the file holds %d records", tc.file, v, st.Read, records)
			}
		}
	}
}

// TestTextStreamEndings reads every mix of endings a byte at a time (a CR
// at the end of one read and its LF at the start of the next is one break).
func TestTextStreamEndings(t *testing.T) {
	in := "a\r\nb\rc\nd\r\r\ne\n\rf\r"
	want := "a\nb\nc\nd\n\ne\n\nf\n"
	for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in)), iotest.HalfReader(strings.NewReader(in))} {
		got, err := io.ReadAll(newTextStream(r, 0))
		if err != nil || string(got) != want {
			t.Errorf("textStream(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestTextStreamCut: a line over the bound is cut and closed, the rest of
// it dropped, its number recorded; the next line reads as it is.
func TestTextStreamCut(t *testing.T) {
	in := "short\r" + strings.Repeat("x", 40) + "\r\nnext\n" + strings.Repeat("y", 11) + "\nlast-without-break" + strings.Repeat("z", 20)
	for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
		ts := newTextStream(r, 10)
		got, err := io.ReadAll(ts)
		want := "short\nxxxxxxxxxx" + closeField + "\nnext\nyyyyyyyyyy" + closeField + "\nlast-witho" + closeField
		if err != nil || string(got) != want {
			t.Errorf("got %q, %v; want %q", got, err, want)
		}
		if fmt.Sprint(ts.long) != "[2 4 5]" {
			t.Errorf("cut lines %v; want [2 4 5]", ts.long)
		}
	}
}

// TestLongRecords: a record over import.max_record_bytes is rejected with
// its FILE:LINE and reading goes on at the next record, in every reader.
func TestLongRecords(t *testing.T) {
	const max = 4096
	long := strings.Repeat("x", 3*max)
	type want struct{ read, accepted, rejected int }
	cases := []struct {
		name, kind, content string
		want                want
		lines               []int // lines of the rejects
	}{
		{"links.csv", "links", "link_id,stream_id,tracking_id,target_url\n" +
			"l1,s1,,https://x.example/?utm_content=s1\n" +
			"l2,s1,," + long + "\n" + // unquoted
			"l3,s1,,\"" + long + "\"\n" + // quoted
			"l4,s1,,\"https://x.example/?" + long + "\nsecond line\"\n" + // quoted, spanning lines: the
			"l5,s1,,https://x.example/?utm_content=s1\n", // cell's next line reads as a row of its own
			want{6, 2, 4}, []int{3, 4, 5, 6}},
		{"chat.jsonl", "chat", `{"stream_id":"s1","ts":"2026-11-03T00:00:03Z","kind":"comment","author":"a","text":"hi"}` + "\n" +
			`{"stream_id":"s1","ts":"2026-11-03T00:00:04Z","kind":"comment","author":"a","text":"` + long + `"}` + "\n" +
			`{"stream_id":"s1","ts":"2026-11-03T00:00:05Z","kind":"comment","author":"a","text":"bye"}` + "\n",
			want{3, 2, 1}, []int{2}},
		{"access.log", "clicks", `203.0.113.7 - - [05/Nov/2026:19:03:12 -0500] "GET /p?utm_content=s5 HTTP/1.1" 302 0 "-" "Mozilla/5.0"` + "\n" +
			`203.0.113.7 - - [05/Nov/2026:19:03:13 -0500] "GET /p?utm_content=s5&q=` + long + ` HTTP/1.1" 302 0 "-" "Mozilla/5.0"` + "\n" +
			`203.0.113.7 - - [05/Nov/2026:19:03:14 -0500] "GET /p?utm_content=s5 HTTP/1.1" 302 0 "-" "Mozilla/5.0"` + "\n",
			want{3, 2, 1}, []int{2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeInput(t, tc.name, tc.content)
			st := importOK(t, newTestLake(t), p, Options{Kind: tc.kind, MaxRecordBytes: max})
			if got := (want{st.Read, st.Accepted, st.Rejected}); got != tc.want {
				t.Errorf("read/accepted/rejected = %v; want %v (%v)", got, tc.want, st.Rejects)
			}
			for i, rj := range st.Rejects {
				if i < len(tc.lines) && rj.Line != tc.lines[i] {
					t.Errorf("reject %d at line %d; want %d", i, rj.Line, tc.lines[i])
				}
				if !strings.Contains(rj.What, "longer than 4 KiB") && rj.Line != 6 {
					t.Errorf("reject %d: %s", i, rj.Message(tc.name))
				}
				if len(rj.Record) > 2*max {
					t.Errorf("reject %d keeps %d bytes of the long record", i, len(rj.Record))
				}
			}
		})
	}
}

// TestLongRecordUnclosedQuote: a quote that never closes makes one record
// of the rest of the file; past the bound that record is rejected and the
// rows after the cut are read again (before: the rest of the file was one
// broken row, whatever its size).
func TestLongRecordUnclosedQuote(t *testing.T) {
	var b strings.Builder
	b.WriteString("link_id,stream_id,tracking_id,target_url\nl0,s1,,\"https://x.example/?broken\n")
	n := 0
	for b.Len() < 600<<10 {
		n++
		fmt.Fprintf(&b, "l%d,s1,,https://x.example/?utm_content=s1\n", n)
	}
	p := writeInput(t, "links.csv", b.String())
	st := importOK(t, newTestLake(t), p, Options{Kind: "links", MaxRecordBytes: 4096})
	if len(st.Rejects) != 1 || st.Rejects[0].Line != 2 || !strings.Contains(st.Rejects[0].What, "longer than") {
		t.Fatalf("rejects %v; want the record of the quote opened at line 2", st.Rejects[:min(3, len(st.Rejects))])
	}
	// the record swallowed the lines up to the bound plus at most twice the
	// reader's buffer (256 KiB); the cut line's row is in it, and every row
	// after it is read
	if swallowed := n - st.Accepted; swallowed < 1 || swallowed > (4096+2*256<<10)/40 {
		t.Errorf("accepted %d of the %d rows after the quote", st.Accepted, n)
	}
}

// TestLongHeader: a header row over the bound is a file problem with its line.
func TestLongHeader(t *testing.T) {
	p := writeInput(t, "links.csv", "link_id,stream_id,tracking_id,target_url"+strings.Repeat(",x", 5000)+"\nl1,s1,,u\n")
	_, err := Import(context.Background(), newTestLake(t), p, Options{Kind: "links", MaxRecordBytes: 4096, Salt: testSalt})
	if err == nil || !strings.Contains(err.Error(), ":1: the header row is longer than 4 KiB") {
		t.Errorf("err = %v; want links.csv:1: the header row is longer than 4 KiB", err)
	}
}

// TestImplausibleTimes: a timestamp outside import.earliest … now +
// import.latest_ahead, or a stream longer than import.max_stream_length, is
// a reject with its reason; the other rows land.
func TestImplausibleTimes(t *testing.T) {
	head := "stream_id,affiliate_id,started_at,ended_at\n"
	p := writeInput(t, "streams.csv", head+
		"s1,ana,2026-11-02T19:00:00Z,2026-11-02T20:00:00Z\n"+
		"s2,ana,0001-01-01T00:00:00Z,2026-11-02T20:00:00Z\n"+
		"s3,ana,2026-11-02T19:00:00Z,2126-11-02T20:00:00Z\n"+
		"s4,ana,2026-11-02T19:00:00Z,2026-11-04T01:00:01Z\n"+
		"s5,ana,1999-12-31T23:59:59Z,2000-01-01T01:00:00Z\n")
	st := importOK(t, newTestLake(t), p, Options{Kind: "streams"})
	if st.Accepted != 1 || st.Rejected != 4 {
		t.Fatalf("accepted %d, rejected %d; want 1 and 4: %v", st.Accepted, st.Rejected, st.Rejects)
	}
	for i, want := range []string{"started_at", "ended_at", "ended_at", "started_at"} {
		rj := st.Rejects[i]
		if rj.Line != i+3 || rj.Field != want || !strings.Contains(rj.What, "plausible") && !strings.Contains(rj.What, "longer than 24h") {
			t.Errorf("reject %d: %s; want line %d, %s", i, rj.Message("streams.csv"), i+3, want)
		}
	}
	// configured wider, the long stream is accepted
	st = importOK(t, newTestLake(t), p, Options{Kind: "streams", Plausible: Plausible{MaxStreamLength: 48 * 3600e9}})
	if st.Accepted != 2 {
		t.Errorf("with max_stream_length 48h: accepted %d; want 2", st.Accepted)
	}
}

// TestPersonalDataInRejectsAndURLs: an e-mail, IP address or phone number
// in any cell of a rejected row, an unparseable log line and the personal
// query parameters of a click URL never reach the lake raw.
func TestPersonalDataInRejectsAndURLs(t *testing.T) {
	lake := newTestLake(t)
	clicks := writeInput(t, "clicks.csv", "click_id,ts,url,ip,user_agent,referrer\n"+
		"c1,2026-11-02T23:45:32Z,https://x.example/p?utm_content=s1&email=planted.one%40example.org&Name=Planted+Person&phone=%2B15550001111#top,198.51.100.77,Mozilla/5.0,https://www.tiktok.com/\n"+
		"c2,not-a-time,https://x.example/p?utm_content=s1,203.0.113.99,Mozilla/5.0,call +1 555 000 2222 or planted.two@example.org from 2001:db8::77\n")
	st := importOK(t, lake, clicks, Options{Kind: "clicks"})
	if st.Accepted != 1 || st.Rejected != 1 {
		t.Fatalf("clicks: accepted %d, rejected %d (%v)", st.Accepted, st.Rejected, st.Rejects)
	}
	rows := tableRows(t, lake, Clicks)
	u := rows[0].vals[Clicks.Col("url")].S
	if !strings.HasPrefix(u, "https://x.example/p?utm_content=s1&email=key-") || !strings.Contains(u, "&Name=key-") || !strings.HasSuffix(u, "#top") {
		t.Errorf("stored url %q; want the personal parameters' values replaced by keys", u)
	}
	logf := writeInput(t, "access.log", `198.51.100.5 - - [05/Nov/2026:19:03:12 -0500] "GET /p?utm_content=s5 HTTP/1.1" 302 0 "-" "Mozilla/5.0"`+"\n"+
		"garbage planted.three@example.org 192.0.2.55 not a log line\n")
	st = importOK(t, lake, logf, Options{Kind: "clicks"})
	if st.Rejected != 1 {
		t.Errorf("access log: rejected %d; want 1", st.Rejected)
	}
	assertNowhere(t, lake.Dir, "planted.one", "planted person", "5550001111", "planted.two", "555 000 2222", "2001:db8::77",
		"203.0.113.99", "planted.three", "192.0.2.55", "198.51.100.77")
}

// TestJSONLOneValuePerLine: two objects on a line, or text after the
// object, make the line a reject (they were read as one row before).
func TestJSONLOneValuePerLine(t *testing.T) {
	ok := `{"stream_id":"s1","ts":"2026-11-03T00:00:03Z","kind":"comment","author":"a","text":"hi"}`
	p := writeInput(t, "chat.jsonl", ok+"\n"+ok+ok+"\n"+ok+" trailing\n"+ok+"  \n"+ok+" {}\n")
	st := importOK(t, newTestLake(t), p, Options{Kind: "chat"})
	if st.Accepted != 2 || st.Rejected != 3 {
		t.Fatalf("accepted %d, rejected %d; want 2 and 3 (%v)", st.Accepted, st.Rejected, st.Rejects)
	}
	for i, line := range []int{2, 3, 5} {
		rj := st.Rejects[i]
		if rj.Line != line || !strings.Contains(rj.What, "more after its JSON object") {
			t.Errorf("reject %d: %s; want line %d", i, rj.Message("chat.jsonl"), line)
		}
	}
	if c := st.Rejects[0].Column; c != len(ok)+1 {
		t.Errorf("column %d; want %d", c, len(ok)+1)
	}
}

// TestJSONLLongFirstLine: a first line over 64 KiB is detected like any
// other (detection read only the first 64 KiB before).
func TestJSONLLongFirstLine(t *testing.T) {
	first := `{"stream_id":"s1","ts":"2026-11-03T00:00:03Z","kind":"comment","author":"a","text":"` + strings.Repeat("a", 100<<10) + `"}`
	p := writeInput(t, "chat.jsonl", first+"\n")
	st := importOK(t, newTestLake(t), p, Options{Kind: "chat"})
	if st.Accepted != 1 {
		t.Errorf("accepted %d; want 1 (%v)", st.Accepted, st.Rejects)
	}
}

// TestTruncatedGzip: a .gz cut short keeps the rows read before the cut;
// the end is one reject at the line where reading stopped and the manifest
// entry says partial.
func TestTruncatedGzip(t *testing.T) {
	var plain strings.Builder
	plain.WriteString("link_id,stream_id,tracking_id,target_url\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&plain, "l%d,s1,,https://x.example/p%d?utm_content=s1\n", i, i)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(plain.String()))
	zw.Close()
	cut := gz.Bytes()[:gz.Len()/2]
	lake := newTestLake(t)
	p := writeInput(t, "links.csv.gz", string(cut))
	st := importOK(t, lake, p, Options{Kind: "links"})
	if st.Accepted == 0 || st.Accepted >= 20000 || st.Rejected != 1 {
		t.Fatalf("accepted %d, rejected %d; want the rows before the cut and one reject", st.Accepted, st.Rejected)
	}
	rj := st.Rejects[0]
	if rj.Line != st.Accepted+2 || !strings.Contains(rj.What, "cannot be read past this point (unexpected end of file)") {
		t.Errorf("reject %s; want line %d", rj.Message("links.csv.gz"), st.Accepted+2)
	}
	m, err := lake.Manifest(context.Background())
	if err != nil || len(m) != 1 || m[0].Status != st.Partial || !strings.HasPrefix(m[0].Status, "partial: unexpected end of file at line ") {
		t.Errorf("manifest %+v, %v; want status %q", m, err, st.Partial)
	}
	if got := len(tableRows(t, lake, Links)); got != st.Accepted {
		t.Errorf("%d links landed; want %d", got, st.Accepted)
	}
}
