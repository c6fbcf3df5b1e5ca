package ingest

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Value is one cell of a canonical row. Which field holds the value depends on
// the column's Kind: S for String; I for Int, Money (cents), Time (UTC
// microseconds), Date (days since the epoch) and Float (its IEEE 754 bits:
// use Float and FloatValue); B for Bool. It is 32 bytes, so a row of values
// stays small to clear and copy.
type Value struct {
	S     string
	I     int64
	Valid bool
	B     bool
}

// FloatValue returns a valid Float value.
func FloatValue(f float64) Value { return Value{Valid: true, I: int64(math.Float64bits(f))} }

// Float returns the number of a Float value.
func (v Value) Float() float64 { return math.Float64frombits(uint64(v.I)) }

// Record is one canonical row being built. It is reused between rows.
type Record struct {
	Table *Table
	Vals  []Value
	Line  int // line of the input the row starts on
}

// NewRecord returns an empty record for table t.
func NewRecord(t *Table) *Record {
	return &Record{Table: t, Vals: make([]Value, len(t.Columns))}
}

// Reset clears every value.
func (r *Record) Reset() {
	clear(r.Vals)
	r.Line = 0
}

// SetString stores a text value; an empty string is NULL.
func (r *Record) SetString(name, s string) {
	if s == "" {
		return
	}
	r.Vals[r.Table.Col(name)] = Value{Valid: true, S: s}
}

// SetInt stores an integer.
func (r *Record) SetInt(name string, v int64) {
	r.Vals[r.Table.Col(name)] = Value{Valid: true, I: v}
}

// SetMoney stores an amount in cents.
func (r *Record) SetMoney(name string, cents int64) { r.SetInt(name, cents) }

// SetTime stores a UTC instant.
func (r *Record) SetTime(name string, t time.Time) {
	r.Vals[r.Table.Col(name)] = Value{Valid: true, I: t.UnixMicro()}
}

// SetFloat stores a floating-point number.
func (r *Record) SetFloat(name string, f float64) {
	r.Vals[r.Table.Col(name)] = FloatValue(f)
}

// SetBool stores a boolean.
func (r *Record) SetBool(name string, b bool) {
	r.Vals[r.Table.Col(name)] = Value{Valid: true, B: b}
}

// Get returns the value of the named column.
func (r *Record) Get(name string) Value { return r.Vals[r.Table.Col(name)] }

// errValue is a parse failure: what is wrong (after the quoted value) and what to do.
type errValue struct{ what, hint string }

func (e *errValue) Error() string { return e.what + "; " + e.hint }

func valueErr(what, hint string) error { return &errValue{what: what, hint: hint} }

// cleanCell trims spaces, tabs, no-break spaces and stray BOMs around a cell.
func cleanCell(s string) string {
	if s == "" {
		return s
	}
	if a, z := s[0], s[len(s)-1]; a > ' ' && a < utf8.RuneSelf && z > ' ' && z < utf8.RuneSelf {
		return s // nothing to trim: the common case, without decoding runes
	}
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' || r == '\ufeff' })
}

// cleanProtected also strips the apostrophe spreadsheets put before zips,
// phones and SKUs ('1930000).
func cleanProtected(s string) string {
	s = cleanCell(s)
	return strings.TrimPrefix(s, "'")
}

// normalizeCode trims a coupon code and upper-cases it.
func normalizeCode(s string) string {
	return strings.ToUpper(cleanCell(s))
}

// parseMoney parses a plain decimal amount ("1250.5", "1,250.50", "-3") into
// cents, exactly: no floating point. decimalSep is '.' or ','. Thousands
// separators of the other kind, spaces and no-break spaces are accepted only
// in well-formed groups.
func parseMoney(s string, decimalSep byte) (int64, error) {
	s = cleanCell(s)
	if s == "" {
		return 0, valueErr("is empty", "leave the cell empty only where the column is optional")
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") { // accounting negatives (12.50)
		neg, s = !neg, s[1:len(s)-1]
	}
	intPart, frac := s, ""
	if i := strings.LastIndexByte(s, decimalSep); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
	}
	var buf [24]byte
	digits, ok := stripGrouping(intPart, decimalSep, buf[:0])
	if !ok || len(digits) == 0 && frac == "" {
		return 0, valueErr("is not an amount", "write money as a plain number like 1250.50")
	}
	for i := 0; i < len(frac); i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return 0, valueErr("is not an amount", "write money as a plain number like 1250.50")
		}
	}
	for len(frac) > 2 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) > 2 {
		return 0, valueErr("has more than 2 decimal places", "round the amount to cents in the export")
	}
	if len(digits) > 16 {
		return 0, valueErr("is too large", "amounts must be below 10^16")
	}
	n, _ := digitsValue(digits) // at most 16 digits: fits
	v := n * 100
	switch len(frac) { // cents: "5" is 50, "05" is 5
	case 1:
		v += int64(frac[0]-'0') * 10
	case 2:
		v += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

// stripGrouping removes thousands separators (the separator that is not the
// decimal one, or spaces) from the integer part, accepting only groups of
// three digits after the first (and Indian 2-digit lakh groups). It appends
// the digits to dst (a caller's stack buffer: no allocation).
func stripGrouping(s string, decimalSep byte, dst []byte) ([]byte, bool) {
	if allDigits(s) {
		return append(dst, s...), true // no separators: the common case
	}
	group := byte(',')
	if decimalSep == ',' {
		group = '.'
	}
	groups := 0   // separators seen
	cur := 0      // digits in the current group
	first := 0    // digits in the first group
	mid := 0      // length of the middle groups, when they agree
	midOK := true // every middle group has length mid, 3 or 2
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= '0' && r <= '9':
			dst = append(dst, byte(r))
			cur++
		case r == rune(group) || r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\'':
			if cur == 0 {
				return dst, false
			}
			if groups == 0 {
				first = cur
			} else if mid == 0 {
				mid = cur
			} else if cur != mid {
				midOK = false
			}
			cur = 0
			groups++
		default:
			return dst, false
		}
		i += size
	}
	if groups == 0 {
		return dst, true
	}
	// first group 1–3 digits; middle groups all 3 (western) or all 2
	// (lakh); the last one 3.
	if cur != 3 || first < 1 || first > 3 || !midOK || mid != 0 && mid != 3 && mid != 2 {
		return dst, false
	}
	return dst, true
}

// digitsValue is the value of a run of decimal digits; false when it does
// not fit in an int64.
func digitsValue(d []byte) (int64, bool) {
	var v int64
	for _, c := range d {
		n := int64(c - '0')
		if v > (math.MaxInt64-n)/10 {
			return 0, false
		}
		v = v*10 + n
	}
	return v, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseInt parses a whole number; grouping separators are accepted.
func parseInt(s string) (int64, error) {
	s = cleanCell(s)
	neg := strings.HasPrefix(s, "-")
	var buf [24]byte
	digits, ok := stripGrouping(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+"), '.', buf[:0])
	if !ok || len(digits) == 0 {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) && !underflows(s, f) {
			return int64(f), nil // "12.0" from spreadsheets
		}
		return 0, valueErr("is not a whole number", "write counts as plain integers like 1250")
	}
	v, ok := digitsValue(digits)
	if !ok {
		return 0, valueErr("is not a whole number", "write counts as plain integers like 1250")
	}
	if neg {
		v = -v
	}
	return v, nil
}

// underflows tells a number written with a non-zero digit before its
// exponent that reads as 0 ("1e-400").
func underflows(s string, f float64) bool {
	if f != 0 {
		return false
	}
	mant := s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
	}
	return strings.ContainsAny(mant, "123456789")
}

// parseFloat parses a plain decimal number; a trailing % divides by 100.
func parseFloat(s string) (float64, error) {
	s = cleanCell(s)
	pct := strings.HasSuffix(s, "%")
	s = strings.TrimSpace(strings.TrimSuffix(s, "%"))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e300 || f < -1e300 {
		return 0, valueErr("is not a number", "write numbers with a dot as decimal separator, like 0.12")
	}
	if underflows(s, f) || f != 0 && f < 1e-300 && f > -1e-300 {
		return 0, valueErr("is too close to 0 to be a real measure (it would be stored as 0)", "check the cell; write small numbers like 0.0001")
	}
	if pct {
		f /= 100
	}
	return f, nil
}

// parseBool reads true/false, yes/no, 1/0, t/f.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(cleanCell(s)) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0":
		return false, nil
	}
	return false, valueErr("is not true or false", "write true or false")
}

// Timestamp layouts accepted for generic files and exports that carry an offset.
var offsetLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05 -0700", // Shopify
	"2006-01-02 15:04:05-07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05-0700",
	"2006-01-02 15:04:05.999999999-07:00",
}

// Layouts without an offset: read in the import's configured time zone.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

// sameSeparator tells whether s may be in layout l, which starts with
// "2006-01-02" and a date-time separator: year, month and day are fixed
// width, so s must have the same separator at index 10. Skipping the other
// layouts saves time.Parse building an error for each.
func sameSeparator(l, s string) bool {
	return len(s) <= 10 || len(l) <= 10 || s[10] == l[10]
}

// parseWithOffset reads s in the first of offsetLayouts that fits, as UTC.
func parseWithOffset(s string) (time.Time, bool) {
	if len(s) > 10 && !strings.ContainsAny(s[10:], "Z+-") {
		return time.Time{}, false // no zone letter, no sign: no offset to read
	}
	for _, l := range offsetLayouts {
		if !sameSeparator(l, s) {
			continue
		}
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseTime reads a timestamp. Offsets are honoured; a local time is read in
// loc and rejected when loc is nil. Slash dates are rejected: day and month
// order is not known for generic files.
func parseTime(s string, loc *time.Location, tzKey string) (time.Time, error) {
	s = cleanCell(s)
	if s == "" {
		return time.Time{}, valueErr("is empty", "every row needs this timestamp")
	}
	if t, ok := parseWithOffset(s); ok {
		return t, nil
	}
	for _, l := range localLayouts {
		if !sameSeparator(l, s) {
			continue
		}
		if _, err := time.Parse(l, s); err == nil {
			if loc == nil {
				return time.Time{}, valueErr("has no UTC offset", "write it as 2026-11-05T19:00:00-05:00 or set "+tzKey+" to the export's time zone")
			}
			t, _ := time.ParseInLocation(l, s, loc)
			return t.UTC(), nil
		}
	}
	if looksSlashDate(s) {
		return time.Time{}, slashDateErr(s)
	}
	if err := rangeErr(s, offsetLayouts, localLayouts, []string{"2006-01-02"}); err != nil {
		return time.Time{}, err
	}
	if _, err := time.Parse("2006-01-02", s); err == nil {
		return time.Time{}, valueErr("is a date without a time", "write a full timestamp like 2026-11-05T19:00:00-05:00")
	}
	return time.Time{}, valueErr("is not a timestamp", "expected RFC 3339 like 2026-11-05T19:00:00-05:00")
}

func looksSlashDate(s string) bool {
	return len(s) >= 8 && strings.Count(s[:min(len(s), 10)], "/") == 2
}

// slashDateErr explains a dd/mm or mm/dd date: ambiguous when both parts are
// ≤ 12, impossible when the day does not exist.
func slashDateErr(s string) error {
	f := strings.SplitN(strings.Fields(s)[0], "/", 3)
	if len(f) == 3 {
		a, errA := strconv.Atoi(f[0])
		b, errB := strconv.Atoi(f[1])
		if errA == nil && errB == nil {
			if a <= 12 && b <= 12 && a != b {
				return valueErr("is ambiguous (day/month or month/day)", "write dates as 2026-11-05 (ISO 8601): day and month order is never guessed")
			}
			if _, err := time.Parse("1/2/2006", f[0]+"/"+f[1]+"/"+f[2]); err != nil {
				if _, err2 := time.Parse("2/1/2006", f[0]+"/"+f[1]+"/"+f[2]); err2 != nil {
					return valueErr("is not a date", "check the day and month; write dates as 2026-11-05 (ISO 8601)")
				}
			}
		}
	}
	return valueErr("is not in a known date layout", "write dates as 2026-11-05 (ISO 8601)")
}

// parseDate reads a calendar date (YYYY-MM-DD) as days since the epoch.
func parseDate(s string) (int64, error) {
	s = cleanCell(s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Unix() / 86400, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return d.Unix() / 86400, nil
	}
	if looksSlashDate(s) {
		return 0, slashDateErr(s)
	}
	if err := rangeErr(s, []string{"2006-01-02", time.RFC3339}); err != nil {
		return 0, err
	}
	return 0, valueErr("is not a date", "write dates as 2026-11-05 (ISO 8601)")
}

// rangeErr explains a value written in one of the layouts but with a field
// that does not exist (2026-02-30, 2026-13-01, 25:00), or returns nil.
func rangeErr(s string, layouts ...[]string) error {
	for _, ls := range layouts {
		for _, l := range ls {
			_, err := time.Parse(l, s)
			var pe *time.ParseError
			if errors.As(err, &pe) && strings.HasSuffix(pe.Message, " out of range") {
				return valueErr("is not a real date ("+strings.TrimPrefix(pe.Message, ": ")+")", "check the day, month and time in the export")
			}
		}
	}
	return nil
}
