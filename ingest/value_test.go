package ingest

import (
	"strings"
	"testing"
	"time"
)

// what returns the problem text of a parse error ("" for nil), so tests can
// pin the message a user sees without the hint.
func what(err error) string {
	if err == nil {
		return ""
	}
	if ev, ok := err.(*errValue); ok {
		return ev.what
	}
	return err.Error()
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		sep  byte
		want int64
		err  string // problem text; "" = no error
	}{
		{in: "1250.5", sep: '.', want: 125050},
		{in: "1250.50", sep: '.', want: 125050},
		{in: "0.07", sep: '.', want: 7},
		{in: "12", sep: '.', want: 1200},
		{in: ".5", sep: '.', want: 50},
		{in: " 7.05 ", sep: '.', want: 705},
		{in: "\u00a07.05\t", sep: '.', want: 705},
		{in: "1,250.50", sep: '.', want: 125050},
		{in: "1,234,567.89", sep: '.', want: 123456789},
		{in: "12 345.00", sep: '.', want: 1234500},
		{in: "1,00,000.00", sep: '.', want: 10000000}, // Indian lakh grouping
		{in: "(12.50)", sep: '.', want: -1250},
		{in: "-3", sep: '.', want: -300},
		{in: "-1,250.5", sep: '.', want: -125050},
		{in: "+4.20", sep: '.', want: 420},
		{in: "12.340", sep: '.', want: 1234}, // trailing zeros beyond cents are exact
		{in: "1.250,50", sep: ',', want: 125050},
		{in: "12,5", sep: ',', want: 1250},
		{in: "12.345", sep: '.', err: "has more than 2 decimal places"},
		{in: "0.001", sep: '.', err: "has more than 2 decimal places"},
		{in: "", sep: '.', err: "is empty"},
		{in: "   ", sep: '.', err: "is empty"},
		{in: "abc", sep: '.', err: "is not an amount"},
		{in: "$12.50", sep: '.', err: "is not an amount"},
		{in: "12,50", sep: '.', err: "is not an amount"},
		{in: "1,25.00", sep: '.', err: "is not an amount"},
		{in: ",250.00", sep: '.', err: "is not an amount"},
		{in: "1e3", sep: '.', err: "is not an amount"},
		{in: "12.5x", sep: '.', err: "is not an amount"},
		{in: "N/A", sep: '.', err: "is not an amount"},
		{in: "-", sep: '.', err: "is not an amount"},
		{in: "()", sep: '.', err: "is not an amount"},
		{in: ".", sep: '.', err: "is not an amount"},
		{in: "12345678901234567", sep: '.', err: "is too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseMoney(tt.in, tt.sep)
			if what(err) != tt.err {
				t.Fatalf("parseMoney(%q, %q) error = %v; want %q", tt.in, tt.sep, err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Errorf("parseMoney(%q, %q) = %v; want %v", tt.in, tt.sep, got, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "; ") {
				t.Errorf("parseMoney(%q) error %q has no hint after \"; \"", tt.in, err)
			}
		})
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{in: "1250", want: 1250},
		{in: " 42 ", want: 42},
		{in: "1,250", want: 1250},
		{in: "1,250,000", want: 1250000},
		{in: "-3", want: -3},
		{in: "+7", want: 7},
		{in: "12.0", want: 12}, // spreadsheets write counts as floats
		{in: "0", want: 0},
		{in: "12.5", err: true},
		{in: "1,25", err: true},
		{in: "abc", err: true},
		{in: "", err: true},
		{in: "99999999999999999999", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseInt(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("parseInt(%q) error = %v; want error %v", tt.in, err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Errorf("parseInt(%q) = %v; want %v", tt.in, got, tt.want)
			}
			if err != nil && what(err) != "is not a whole number" {
				t.Errorf("parseInt(%q) error = %q; want \"is not a whole number\"", tt.in, what(err))
			}
		})
	}
}

func TestParseFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		err  bool
	}{
		{in: "0.12", want: 0.12},
		{in: "12", want: 12},
		{in: "-1.5", want: -1.5},
		{in: "12%", want: 0.12},
		{in: "12.5 %", want: 0.125},
		{in: " 100% ", want: 1},
		{in: "1e-3", want: 0.001},
		{in: "1,5", err: true},
		{in: "abc", err: true},
		{in: "%", err: true},
		{in: "", err: true},
		{in: "NaN", err: true},
		{in: "Inf", err: true},
		{in: "-Inf", err: true},
		{in: "1e308", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseFloat(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("parseFloat(%q) error = %v; want error %v", tt.in, err, tt.err)
			}
			if err == nil && (got-tt.want > 1e-12 || tt.want-got > 1e-12) {
				t.Errorf("parseFloat(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "TRUE": true, " yes ": true, "1": true, "t": true, "y": true,
		"false": false, "No": false, "0": false, "f": false, "n": false} {
		got, err := parseBool(in)
		if err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v, nil", in, got, err, want)
		}
	}
	for _, in := range []string{"", "maybe", "2"} {
		if _, err := parseBool(in); what(err) != "is not true or false" {
			t.Errorf("parseBool(%q) error = %v; want \"is not true or false\"", in, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		loc  *time.Location
		want string // RFC 3339 in UTC
		err  string // problem text
		hint string // substring of the hint
	}{
		{name: "rfc3339 offset", in: "2026-11-05T19:00:00-05:00", want: "2026-11-06T00:00:00Z"},
		{name: "rfc3339 Z", in: "2026-11-05T19:00:00Z", want: "2026-11-05T19:00:00Z"},
		{name: "rfc3339 fraction", in: "2026-11-05T19:00:00.250+01:00", want: "2026-11-05T18:00:00.25Z"},
		{name: "shopify", in: "2026-11-03 19:05:12 -0500", want: "2026-11-04T00:05:12Z"},
		{name: "shopify padded", in: "  2026-11-03 19:05:12 -0500 ", want: "2026-11-04T00:05:12Z"},
		{name: "space offset colon", in: "2026-11-03 19:05:12-05:00", want: "2026-11-04T00:05:12Z"},
		{name: "offset ignores zone", in: "2026-07-01T12:00:00+02:00", loc: ny, want: "2026-07-01T10:00:00Z"},
		{name: "local without zone", in: "2026-11-05 19:00:00", err: "has no UTC offset", hint: "time_zones.generic"},
		{name: "local T without zone", in: "2026-11-05T19:00", err: "has no UTC offset", hint: "time_zones.generic"},
		{name: "local in new york (EST)", in: "2026-11-05 19:00:00", loc: ny, want: "2026-11-06T00:00:00Z"},
		{name: "local in new york (EDT)", in: "2026-07-05T19:00", loc: ny, want: "2026-07-05T23:00:00Z"},
		{name: "local in berlin", in: "2026-11-05 19:00:00", loc: berlin, want: "2026-11-05T18:00:00Z"},
		{name: "ambiguous slash date", in: "03/04/2026", err: "is ambiguous (day/month or month/day)", hint: "ISO 8601"},
		{name: "ambiguous slash date and time", in: "03/04/2026 10:00", loc: ny, err: "is ambiguous (day/month or month/day)"},
		{name: "impossible date", in: "31/02/2026", err: "is not a date", hint: "check the day and month"},
		{name: "impossible date and time", in: "31/02/2026 10:00", err: "is not a date"},
		{name: "unambiguous slash date", in: "13/04/2026", err: "is not in a known date layout", hint: "ISO 8601"},
		{name: "same day and month", in: "04/04/2026", err: "is not in a known date layout"},
		{name: "date only", in: "2026-11-05", err: "is a date without a time"},
		{name: "impossible iso", in: "2026-02-30T10:00:00Z", err: "is not a real date (day out of range)", hint: "check the day, month"},
		{name: "month 13", in: "2026-13-01T10:00:00Z", err: "is not a real date (month out of range)"},
		{name: "hour 25", in: "2026-11-05T25:00:00Z", err: "is not a real date (hour out of range)"},
		{name: "impossible shopify", in: "2026-02-30 10:00:00 -0500", err: "is not a real date (day out of range)"},
		{name: "impossible date only", in: "2026-02-30", err: "is not a real date (day out of range)"},
		{name: "garbage", in: "yesterday", err: "is not a timestamp", hint: "RFC 3339"},
		{name: "empty", in: "", err: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTime(tt.in, tt.loc, "time_zones.generic")
			if what(err) != tt.err {
				t.Fatalf("parseTime(%q) error = %v; want %q", tt.in, err, tt.err)
			}
			if err != nil {
				if !strings.Contains(err.(*errValue).hint, tt.hint) {
					t.Errorf("parseTime(%q) hint = %q; want it to mention %q", tt.in, err.(*errValue).hint, tt.hint)
				}
				return
			}
			if got.Location() != time.UTC {
				t.Errorf("parseTime(%q) location = %v; want UTC", tt.in, got.Location())
			}
			if s := got.Format(time.RFC3339Nano); s != tt.want {
				t.Errorf("parseTime(%q) = %v; want %v", tt.in, s, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	day := func(s string) int64 {
		d, _ := time.Parse("2006-01-02", s)
		return d.Unix() / 86400
	}
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "2026-11-05", want: day("2026-11-05")},
		{in: " 1970-01-01 ", want: 0},
		{in: "1969-12-31", want: -1},
		{in: "2026-11-05T23:30:00-05:00", want: day("2026-11-05")}, // the date as written
		{in: "03/04/2026", err: "is ambiguous (day/month or month/day)"},
		{in: "31/02/2026", err: "is not a date"},
		{in: "2026-02-30", err: "is not a real date (day out of range)"},
		{in: "Nov 5, 2026", err: "is not a date"},
		{in: "", err: "is not a date"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDate(tt.in)
			if what(err) != tt.err {
				t.Fatalf("parseDate(%q) error = %v; want %q", tt.in, err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Errorf("parseDate(%q) = %v; want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{" glow20 ": "GLOW20", "Glow20\t": "GLOW20", "\u00a0benkitch": "BENKITCH", "": ""} {
		if got := normalizeCode(in); got != want {
			t.Errorf("normalizeCode(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestCleanProtected(t *testing.T) {
	for in, want := range map[string]string{"'07102": "07102", " '+19735550141 ": "+19735550141", "plain": "plain"} {
		if got := cleanProtected(in); got != want {
			t.Errorf("cleanProtected(%q) = %q; want %q", in, got, want)
		}
	}
}
