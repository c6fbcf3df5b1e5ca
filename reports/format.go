package reports

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// dash is what a missing value or a ratio without a denominator shows.
const dash = "—"

// groupDigits inserts thousands separators into the integer part of s.
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String() + frac
	if neg {
		return "−" + out
	}
	return out
}

func fixed(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-") // no "−0.0"
	}
	return groupDigits(s)
}

func fmtCount(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	return fixed(math.Round(v.Float64), 0)
}

// fmtNumber shows a non-integer quantity (mean concurrent viewers, minutes).
func fmtNumber(v sql.NullFloat64, decimals int) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	return fixed(v.Float64, decimals)
}

// fmtPct shows a fraction (0.034) as a percentage ("3.4%").
func fmtPct(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	d := 1
	if math.Abs(v.Float64) < 0.001 && v.Float64 != 0 {
		d = 2
	}
	return fixed(v.Float64*100, d) + "%"
}

// fmtPctPoints shows a value that is already a percentage (engagement_rate).
func fmtPctPoints(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	return fixed(v.Float64, 1) + "%"
}

// fmtSignedPct shows a relative change (0.12 → "+12.0%").
func fmtSignedPct(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	s := fmtPct(v)
	if v.Float64 > 0 && s != "0.0%" {
		return "+" + s
	}
	return s
}

func fmtTimes(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	return fixed(v.Float64, 2) + "×"
}

func fmtP(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	if v.Float64 < 0.001 {
		return "< 0.001"
	}
	return strconv.FormatFloat(v.Float64, 'f', 3, 64)
}

var currencySymbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

// fmtMoney formats an amount with the currency's symbol, or its code after the
// number for currencies without one here.
func fmtMoney(v sql.NullFloat64, currency string) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return dash
	}
	decimals := 2
	if currency == "JPY" {
		decimals = 0
	}
	n := fixed(math.Abs(v.Float64), decimals)
	sign := ""
	if v.Float64 < 0 && n != fixed(0, decimals) {
		sign = "−"
	}
	if sym, ok := currencySymbols[currency]; ok {
		return sign + sym + n
	}
	return sign + n + " " + currency
}

// plainMoney is the CSV form: no symbol, no separators, a dot.
func plainMoney(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return ""
	}
	return strconv.FormatFloat(v.Float64, 'f', 2, 64)
}

// clock gives an offset from the start of a stream as mm:ss (minutes may exceed 59).
func clock(d time.Duration) string {
	if d < 0 {
		return "−" + clock(-d)
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

func minuteClock(m int64) string { return clock(time.Duration(m) * time.Minute) }

func fmtWhen(t sql.NullTime, loc *time.Location) string {
	if !t.Valid {
		return dash
	}
	return t.Time.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
}

func fmtDate(t sql.NullTime, loc *time.Location) string {
	if !t.Valid {
		return dash
	}
	return t.Time.In(loc).Format("2 Jan 2006")
}

// fmtTimeIn writes a time in loc with the zone's abbreviation, e.g.
// "3 Nov 2026 18:06 PST".
func fmtTimeIn(t sql.NullTime, loc *time.Location) string {
	if !t.Valid {
		return dash
	}
	return t.Time.In(loc).Format("2 Jan 2006 15:04 MST")
}

// wallMillis is t as the clock on the wall in loc shows it, in milliseconds
// read as UTC: a chart that draws its time axis in UTC then shows loc's
// local times.
func wallMillis(t time.Time, loc *time.Location) int64 {
	_, off := t.In(loc).Zone()
	return t.UnixMilli() + int64(off)*1000
}

func fmtTimeUTC(t sql.NullTime) string {
	if !t.Valid {
		return dash
	}
	return t.Time.UTC().Format("2006-01-02 15:04:05Z")
}

// sortKey values go into data-sort attributes; the inline script sorts by them.
func sortNum(v sql.NullFloat64) string {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return ""
	}
	return strconv.FormatFloat(v.Float64, 'g', -1, 64)
}

func sortTime(t sql.NullTime) string {
	if !t.Valid {
		return ""
	}
	return strconv.FormatInt(t.Time.Unix(), 10)
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}

// chartValue is a series value for ECharts: the number, or "-" (ECharts' own
// marker for a missing point) when NULL.
func chartValue(v sql.NullFloat64) any {
	if !v.Valid || math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return "-"
	}
	return v.Float64
}

func nf(v float64) sql.NullFloat64 { return sql.NullFloat64{Float64: v, Valid: true} }

// durationWords gives a duration as "7 min 05 s" (or "1 h 02 min").
func durationWords(d time.Duration) string {
	if d < 0 {
		return "−" + durationWords(-d)
	}
	s := int64(d / time.Second)
	switch {
	case s >= 3600:
		return fmt.Sprintf("%d h %02d min", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	}
	return fmt.Sprintf("%d s", s)
}

// plural writes n with the singular or plural phrase.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
