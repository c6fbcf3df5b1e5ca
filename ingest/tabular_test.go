package ingest

import (
	"strings"
	"testing"
)

func TestNormalizeHeaderName(t *testing.T) {
	tests := []struct {
		in, name, currency string
	}{
		{in: "stream_id", name: "stream_id"},
		{in: "\ufeffstream_id", name: "stream_id"},
		{in: "  Stream_ID  ", name: "stream_id"},
		{in: "Financial Status", name: "financial status"},
		{in: "Lineitem   quantity", name: "lineitem quantity"},
		{in: "\tCreated at\u00a0", name: "created at"},
		{in: "Amount spent (USD)", name: "amount spent", currency: "USD"},
		{in: "Amount spent (eur)", name: "amount spent", currency: "EUR"},
		{in: "Amount Spent ( GBP )", name: "amount spent", currency: "GBP"},
		{in: "Amount spent ($)", name: "amount spent", currency: "USD"},
		{in: "Revenue (€)", name: "revenue", currency: "EUR"},
		{in: "Amount spent (Rs.)", name: "amount spent", currency: "INR"},
		{in: "Amount spent", name: "amount spent"},
		{in: "Cost (per click)", name: "cost (per click)"}, // not a currency
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, cur := normalizeHeaderName(tt.in)
			if name != tt.name || cur != tt.currency {
				t.Errorf("normalizeHeaderName(%q) = %q, %q; want %q, %q", tt.in, name, cur, tt.name, tt.currency)
			}
		})
	}
}

func TestHeaderIndex(t *testing.T) {
	h := newHeader([]string{"\ufeffName", "FINANCIAL STATUS", " Amount spent (USD) ", "Canceled at"})
	tests := []struct {
		aliases []string
		want    int
	}{
		{[]string{"Name"}, 0},
		{[]string{"name"}, 0},
		{[]string{"Financial Status"}, 1},
		{[]string{"Amount spent"}, 2},
		{[]string{"Cancelled at", "Canceled at"}, 3},
		{[]string{"Email"}, -1},
	}
	for _, tt := range tests {
		if got := h.index(tt.aliases...); got != tt.want {
			t.Errorf("header.index(%q) = %d; want %d", tt.aliases, got, tt.want)
		}
	}
	if h.Currency[2] != "USD" {
		t.Errorf("header currency of %q = %q; want USD", h.Raw[2], h.Currency[2])
	}
	if got := h.missing("name", "email", "created at"); strings.Join(got, ",") != "email,created at" {
		t.Errorf("header.missing = %q; want [email created at]", got)
	}
}

func TestDetectDelimiter(t *testing.T) {
	tests := []struct {
		line string
		want rune
	}{
		{"a,b,c", ','},
		{"a;b;c", ';'},
		{"a\tb\tc", '\t'},
		{"a|b|c", '|'},
		{`"x;y;z",b,c`, ','},   // delimiters inside quotes do not count
		{`a;"b,c,d,e";f`, ';'}, // idem
		{"Amount spent (USD);Campaign name;Day", ';'},
		{"single", ','},
		{"", ','},
		{"a,b;c;d", ';'},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got := detectDelimiter([]byte(tt.line)); got != tt.want {
				t.Errorf("detectDelimiter(%q) = %q; want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestCSVRowsLines(t *testing.T) {
	// a BOM, CRLF line ends, a quoted newline and a blank line: Next must
	// report the line each row starts on.
	in := "\ufeffa;b\r\n1;2\r\n\"x\r\ny\";3\r\n\r\n4;5\r\n6\r\n"
	rows, err := newCSVRows(strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if got := rows.hdr.Raw; got[0] != "a" || got[1] != "b" {
		t.Fatalf("header = %q; want [a b]", got)
	}
	var lines []int
	var errs []string
	for rows.Next() {
		lines = append(lines, rows.line)
		if rj := rows.Err(); rj != nil {
			errs = append(errs, rj.What)
		}
	}
	if want := []int{2, 3, 6, 7}; !equalInts(lines, want) {
		t.Errorf("row lines = %v; want %v", lines, want)
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "has 1 fields but the header has 2") {
		t.Errorf("row problems = %q; want one wrong field count", errs)
	}
}

func TestCSVRowsFileProblems(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "is empty"},
		{"utf16", "\xff\xfea\x00,\x00b\x00", "is UTF-16"},
	}
	for _, tt := range tests {
		_, err := newCSVRows(strings.NewReader(tt.in), 0)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("newCSVRows(%s) error = %v; want %q", tt.name, err, tt.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHeaderUnitIsNotACurrency(t *testing.T) {
	for _, tc := range []struct{ in, name, cur string }{
		{"Watch time (min)", "watch time (min)", ""},
		{"Amount spent (USD)", "amount spent", "USD"},
		{"Revenue(Rp)", "revenue", "IDR"},
		{"Price(Rs.)", "price", "INR"},
		{"Revenue ($)", "revenue", "USD"},
	} {
		name, cur := normalizeHeaderName(tc.in)
		if name != tc.name || cur != tc.cur {
			t.Errorf("normalizeHeaderName(%q) = %q, %q; want %q, %q", tc.in, name, cur, tc.name, tc.cur)
		}
	}
}
