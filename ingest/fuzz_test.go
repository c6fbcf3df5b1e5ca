package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Fuzz targets of the parsers: none may panic, and every import keeps
// read = accepted + rejected with a located reason for every reject.
// Run one with e.g.
//
//	TMPDIR=/dev/shm go test ./ingest -run '^$' -fuzz '^FuzzShopify$' -fuzztime 60s -fuzzminimizetime 5s
//
// (each run imports into a lake: tmpfs avoids the fsyncs, and a short
// minimisation keeps one slow-to-shrink input from eating the budget).

// fuzzImport imports data as a file of kind into a fresh lake and checks the
// accounting. It returns the stats (nil after a file-level error).
func fuzzImport(t *testing.T, data []byte, name string, opt Options) *Stats {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opt.Salt, opt.Now = "fuzz-salt", importNow
	st, err := Import(context.Background(), &Lake{Dir: filepath.Join(dir, "lake")}, p, opt)
	if err != nil {
		var fe *FileError
		var me *ErrMerchantRequired
		if errors.As(err, &fe) || errors.As(err, &me) {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("empty file error")
			}
			return nil
		}
		t.Fatalf("Import(%s) failed with an error that is not about the file: %v", opt.Kind, err)
	}
	if st.Read != st.Accepted+st.Rejected || len(st.Rejects) != st.Rejected {
		t.Fatalf("read %d != accepted %d + rejected %d (%d rejects listed)", st.Read, st.Accepted, st.Rejected, len(st.Rejects))
	}
	for _, rj := range st.Rejects {
		msg := rj.Message(name)
		if rj.Line < 1 || rj.Column < 1 || rj.What == "" || strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("reject without a place or reason, or on several lines: %q", msg)
		}
	}
	return st
}

// fixtureHead returns the first n lines of a fixture file.
func fixtureHead(f *testing.F, path string, n int) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines) > n {
		lines = lines[:n]
	}
	return bytes.Join(lines, nil)
}

func sample(name string) string  { return filepath.Join("..", "fixtures", "sample", name) }
func invalid(name string) string { return filepath.Join("..", "fixtures", "invalid", name) }

func tableIndex(name string) uint8 {
	for i, t := range Tables {
		if t.Name == name {
			return uint8(i)
		}
	}
	panic(name)
}

func FuzzGenericCSV(f *testing.F) {
	for _, s := range []struct{ file, table string }{
		{sample("streams.csv"), "streams"}, {sample("drops.csv"), "drops"}, {sample("links.csv"), "links"},
		{sample("stream_metrics.csv"), "stream_metrics"}, {sample("clicks.csv"), "clicks"},
		{invalid("streams-bad-dates.csv"), "streams"}, {invalid("drops-ambiguous-dates.csv"), "drops"},
		{invalid("orders-negative-money.csv"), "orders"}, {invalid("orders-non-numeric-money.csv"), "orders"},
		{invalid("clicks-wrong-column-count.csv"), "clicks"}, {invalid("links-bom.csv"), "links"},
		{invalid("streams-crlf.csv"), "streams"}, {invalid("streams-quoted-newlines.csv"), "streams"},
		{invalid("chat-invalid-utf8.csv"), "chat"}, {invalid("streams-unknown-header.csv"), "streams"},
	} {
		f.Add(fixtureHead(f, s.file, 8), tableIndex(s.table))
	}
	f.Add([]byte("spend_date;amount;currency\n2026-11-01;1.250,50;EUR\n"), tableIndex("spend"))
	f.Add([]byte("merchant_id,coupon_code,order_id,redeemed_at,discount_amount\nm, glow ,o1,2026-11-01T00:00:00Z,1.00\n"), tableIndex("redemptions"))
	f.Fuzz(func(t *testing.T, data []byte, table uint8) {
		tbl := Tables[int(table)%len(Tables)]
		fuzzImport(t, data, "in.csv", Options{Kind: tbl.Name, Format: "generic"})
	})
}

func FuzzGenericJSONL(f *testing.F) {
	f.Add(fixtureHead(f, sample("chat.jsonl"), 6), tableIndex("chat"))
	f.Add(fixtureHead(f, invalid("chat-invalid.jsonl"), 10), tableIndex("chat"))
	f.Add([]byte(`{"stream_id":"s1","ts":"2026-11-03T00:00:00Z","viewers":80,"likes":3,"counter_mode":"cumulative"}`+"\n"+`{"stream_id":"s1","ts":"2026-11-03T00:00:15Z","viewers":-1}`+"\n"), tableIndex("stream_metrics"))
	f.Add([]byte(`{"merchant_id":"m","order_id":"o1","ordered_at":"2026-11-03T00:00:00Z","currency":"USD","net_revenue":"12.50","coupon_code":" x ","customer_email":"a@b.c"}`+"\n"), tableIndex("orders"))
	f.Add([]byte(`{"ts":"2026-11-03T00:00:00Z","url":"https://x/?utm_content=s1#f","ip":"1.2.3.4","user_agent":"curl/8"}`+"\n"), tableIndex("clicks"))
	f.Add([]byte("\ufeff{\"stream_id\":\"s1\",\"affiliate_id\":\"a\",\"started_at\":\"2026-11-03T00:00:00Z\",\"ended_at\":\"2026-11-03T01:00:00Z\",\"flat_fee\":1e3}\r\n\n{}\n[1]\n"), tableIndex("streams"))
	f.Fuzz(func(t *testing.T, data []byte, table uint8) {
		tbl := Tables[int(table)%len(Tables)]
		fuzzImport(t, data, "in.jsonl", Options{Kind: tbl.Name})
	})
}

func FuzzShopify(f *testing.F) {
	f.Add(fixtureHead(f, sample("orders-shopify-glowlab.csv"), 10))
	f.Add(fixtureHead(f, sample("orders-shopify-kitchenly.csv"), 10))
	f.Add(fixtureHead(f, invalid("orders-shopify-bad-created-at.csv"), 10))
	f.Add(fixtureHead(f, invalid("orders-shopify-missing-financial-status.csv"), 10))
	f.Add([]byte(shopifyHeader + "#1,a@b.c,paid,,USD,10.00, x ,1.00,2026-11-03 19:05:12,2026-11-03 20:00:00 -0500,,2,A,5.00,N,\n#1,,,,,,,,,,,x,B,1,,\n#2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzImport(t, data, "orders_export.csv", Options{Kind: "orders", Format: "shopify", Merchant: "m", TimeZones: map[string]string{"shopify": "America/New_York"}})
	})
}

func FuzzMetaAds(f *testing.F) {
	f.Add(fixtureHead(f, sample("spend-meta.csv"), 10))
	f.Add(fixtureHead(f, invalid("spend-meta-bad-rows.csv"), 10))
	f.Add([]byte("Reporting starts;Reporting ends;Campaign name;Amount spent;Currency;Day\n2026-11-01;2026-11-02;c;1.00;gbp;2026-11-01\n;;;;;\n"))
	f.Add([]byte("Reporting starts,Campaign name,Amount spent (€)\n2026-11-01,c,(1.00)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzImport(t, data, "meta.csv", Options{Kind: "spend", Format: "meta-ads"})
	})
}

// csvCell quotes a value as one CSV cell.
func csvCell(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"1250.5", "1,250.50", "(12.50)", "-3", "12.345", "abc", "", "1.250,50", "1,00,000.00", "+.5", "12 345.00", "99999999999999.99", "-(1)"} {
		f.Add(s, false)
	}
	f.Add("1.250,50", true)
	f.Fuzz(func(t *testing.T, s string, comma bool) {
		sep := byte('.')
		if comma {
			sep = ','
		}
		cents, err := parseMoney(s, sep)
		if err != nil {
			if ev, ok := err.(*errValue); !ok || ev.what == "" || ev.hint == "" {
				t.Fatalf("parseMoney(%q) error %v has no problem and hint", s, err)
			}
		} else {
			// the amount written back plainly parses to the same cents
			abs, sign := cents, ""
			if cents < 0 {
				abs, sign = -cents, "-"
			}
			plain := fmt.Sprintf("%s%d.%02d", sign, abs/100, abs%100)
			if back, err := parseMoney(plain, '.'); err != nil || back != cents {
				t.Fatalf("parseMoney(%q) = %d, but parseMoney(%q) = %d, %v", s, cents, plain, back, err)
			}
		}
		if sep != '.' {
			return
		}
		// through a generic spend file: one row read, accepted exactly when the amount is a non-negative amount
		st := fuzzImport(t, []byte("spend_date,amount,currency\n2026-11-01,"+csvCell(s)+",USD\n"), "spend.csv", Options{Kind: "spend"})
		if st == nil || st.Read != 1 {
			t.Fatalf("one-row spend file with amount %q: stats %+v; want 1 row read", s, st)
		}
		if want := err == nil && cents >= 0; !strings.ContainsRune(s, '\r') && (st.Accepted == 1) != want {
			t.Fatalf("amount %q: accepted %d; parseMoney = %d, %v", s, st.Accepted, cents, err)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-05T19:00:00-05:00", "2026-11-05T19:00:00Z", "2026-11-03 19:05:12 -0500", "2026-11-05 19:00:00",
		"03/04/2026", "31/02/2026 10:00", "13/04/2026", "2026-11-05", "2026-02-30T10:00:00Z", "yesterday", "", "2026-11-05T19:00"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, zoned bool) {
		var loc *time.Location
		if zoned {
			loc = ny
		}
		got, err := parseTime(s, loc, "time_zones.generic")
		if err != nil {
			if ev, ok := err.(*errValue); !ok || ev.what == "" || ev.hint == "" {
				t.Fatalf("parseTime(%q) error %v has no problem and hint", s, err)
			}
		} else {
			if got.Location() != time.UTC {
				t.Fatalf("parseTime(%q) = %v; not UTC", s, got)
			}
			back, err := parseTime(got.Format(time.RFC3339Nano), nil, "k")
			if err != nil || !back.Equal(got) {
				t.Fatalf("parseTime(%q) = %v, which does not read back: %v, %v", s, got, back, err)
			}
		}
		// through a generic stream_metrics file: one row read, accepted exactly when the time parses
		opt := Options{Kind: "stream_metrics"}
		if zoned {
			opt.TimeZones = map[string]string{"generic": "America/New_York"}
		}
		st := fuzzImport(t, []byte("stream_id,ts\ns1,"+csvCell(s)+"\n"), "metrics.csv", opt)
		if st == nil || st.Read != 1 {
			t.Fatalf("one-row file with ts %q: stats %+v; want 1 row read", s, st)
		}
		if !strings.ContainsRune(s, '\r') && (st.Accepted == 1) != (err == nil) {
			t.Fatalf("ts %q: accepted %d; parseTime error %v", s, st.Accepted, err)
		}
	})
}

func FuzzParseUTM(f *testing.F) {
	for _, u := range []string{
		"https://shop.example/p?utm_source=TikTok&utm_medium=live&utm_campaign=Glow%20Live&utm_content=s1&utm_term=a+b",
		"https://x/?utm_source=a%zz#utm_medium=b", "https://x/#?utm_source=ig", "https://x/", "", "?utm_content=%", "https://x/?sid=S-7&utm_content=banner",
	} {
		f.Add(u, "utm_content")
	}
	f.Add("https://x/?sid=S-7", "sid")
	f.Fuzz(func(t *testing.T, u, param string) {
		m := parseUTM(u, param)
		q, _, _ := strings.Cut(u, "#")
		if !strings.Contains(q, "?") && m != (utm{}) {
			t.Fatalf("parseUTM(%q) = %+v; want nothing from a URL without a query", u, m)
		}
		for _, v := range []string{m.source, m.medium, m.campaign} {
			if v != strings.ToLower(v) {
				t.Fatalf("parseUTM(%q) = %+v; source, medium and campaign must be lower case", u, m)
			}
		}
		for _, v := range []string{m.source, m.medium, m.campaign, m.content, m.term, m.stream} {
			if v != strings.TrimSpace(v) {
				t.Fatalf("parseUTM(%q) = %+v; values must be trimmed", u, m)
			}
		}
		// through a generic clicks file: one row read, the url kept
		st := fuzzImport(t, []byte("ts,url,user_agent\n2026-11-03T00:00:00Z,"+csvCell(u)+",Mozilla/5.0\n"), "clicks.csv", Options{Kind: "clicks", StreamParam: param})
		if st == nil || st.Read != 1 {
			t.Fatalf("one-row clicks file with url %q: stats %+v; want 1 row read", u, st)
		}
	})
}
