package ingest

import (
	"bytes"
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
