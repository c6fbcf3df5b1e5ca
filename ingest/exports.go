package ingest

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Value readers shared by the vendor export formats (fmt_*.go), following
// ../shared/reference/formats.md §0: spreadsheet protection marks and stray
// tabs stripped, locale numbers read where the convention is unambiguous,
// currency symbols dropped, ambiguous dates rejected with a hint, empty
// cells NULL.

// exportCell cleans a vendor cell: stray tab characters (TikTok US order
// exports), surrounding spaces and the spreadsheet protection apostrophe.
func exportCell(s string) string {
	if strings.ContainsRune(s, '\t') {
		s = strings.ReplaceAll(s, "\t", "")
	}
	return cleanProtected(s)
}

// cell returns the cleaned cell i of the current CSV row ("" for a column
// the file does not have).
func (rd *reader) cell(i int) string { return exportCell(rd.csv.Field(i)) }

// currencySymbolPrefixes are dropped from amounts ("$205.33", "Rp 15.000").
var currencySymbolPrefixes = []string{"US$", "R$", "Rp", "Rs.", "Rs", "$", "€", "£", "¥", "฿", "₫", "₱", "RM"}

func stripCurrencySymbol(s string) string {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, strings.TrimSpace(s[1:])
	}
	for _, p := range currencySymbolPrefixes {
		if strings.HasPrefix(s, p) {
			s = strings.TrimSpace(s[len(p):])
			break
		}
	}
	for _, p := range []string{"€", "$", "£"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, p))
	}
	if neg {
		s = "-" + s
	}
	return s
}

// decimalSeparator tells the decimal separator of a number written in either
// convention: with both '.' and ',' the last one is decimal; with one kind,
// it is grouping when it occurs more than once ("15.250.000"), else decimal
// when 1 or 2 digits follow it. When 3 digits
// follow ("1.234", "1,234") the number is ambiguous and def decides: the
// other separator is then read as grouping, and def itself followed by 3
// digits is rejected for money as more than 2 decimals.
func decimalSeparator(s string, def byte) byte {
	i := strings.LastIndexAny(s, ".,")
	if i < 0 {
		return '.'
	}
	if strings.ContainsRune(s, ',') && strings.ContainsRune(s, '.') {
		return s[i]
	}
	if strings.Count(s, s[i:i+1]) >= 2 { // "15.250.000": repeated, so grouping
		if s[i] == '.' {
			return ','
		}
		return '.'
	}
	tail := strings.TrimRight(s[i+1:], ")%")
	if len(tail) == 3 {
		return def
	}
	return s[i]
}

// decimal is the import's default decimal separator for numbers that do not
// tell (Options.Decimal, default '.').
func (rd *reader) decimal() byte {
	if rd.opt != nil && rd.opt.Decimal == "," {
		return ','
	}
	return '.'
}

// amount reads money with the import's decimal separator (parseAmount).
func (rd *reader) amount(s string) (int64, error) { return parseAmount(s, rd.decimal()) }

// parseAmount reads money as exported by vendors: "1,250.50", "1.250,50",
// "1 250,50", "$205.33", "(12.50)", "-3". It returns cents.
func parseAmount(s string, def byte) (int64, error) {
	s = stripCurrencySymbol(exportCell(s))
	if s == "" {
		return 0, valueErr("is empty", "leave the cell empty only where the column is optional")
	}
	inner := strings.Trim(s, "()-+")
	return parseMoney(s, decimalSeparator(inner, def))
}

// parseCount reads a counter: grouping in either convention, and the display
// abbreviations of creator dashboards (1.74K, 2M, 3,5RB, 1JT: Indonesian
// ribu/juta). Abbreviated values are rounded to a whole number.
func parseCount(s string) (int64, error) {
	s = exportCell(s)
	mult := 1.0
	up := strings.ToUpper(s)
	for _, sfx := range []struct {
		s string
		m float64
	}{{"RB", 1e3}, {"JT", 1e6}, {"K", 1e3}, {"M", 1e6}} {
		if strings.HasSuffix(up, sfx.s) {
			mult, s = sfx.m, strings.TrimSpace(s[:len(s)-len(sfx.s)])
			break
		}
	}
	if mult == 1 {
		n, err := parseInt(s)
		if err != nil {
			n, err = parseInt(strings.ReplaceAll(s, ".", ","))
		}
		if err != nil {
			return 0, err
		}
		if n < 0 {
			return 0, valueErr("is negative", "counts cannot be below zero")
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || f < 0 || f*mult > 1e15 || math.IsNaN(f) {
		return 0, valueErr("is not a count", "write counts as whole numbers like 1740 (1.74K is read as 1740)")
	}
	return int64(math.Round(f * mult)), nil
}

// stampRules say which timestamp layouts a format carries besides RFC 3339
// and the offset layouts every format accepts.
type stampRules struct {
	local  []string // layouts without an offset, read in time_zones.<format>
	usAMPM bool     // a slash date with AM/PM is month first (TikTok US)
	excel  bool     // Excel serial day numbers (a CSV re-saved as XLSX)
	expect string   // the layout named in messages, e.g. "2026-11-05 00:00:00"
	// days: the report is day-grained, so a local midnight (Amazon's
	// "2026-11-05 00:00:00") names a calendar day, not an instant.
	days bool
}

// orderTime reads an order's timestamp cell s into ordered_at and, when s
// names only a calendar day, sets ordered_until to the start of the next
// local day: the order happened somewhere in that local day
// [ordered_at, ordered_until), docs/metrics.md § Orders of a whole day.
func (rd *reader) orderTime(o *Record, s string, r stampRules) (time.Time, error) {
	t, err := rd.stamp(s, r)
	if err != nil {
		return t, err
	}
	o.SetTime("ordered_at", t)
	if rd.loc != nil && isDayOnly(exportCell(s), t.In(rd.loc), r) {
		lt := t.In(rd.loc)
		o.SetTime("ordered_until", time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, rd.loc).UTC())
	}
	return t, nil
}

// isDayOnly tells whether a local timestamp cell names a calendar day rather
// than an instant: it has no clock ("2026-11-05", "November 5 2026",
// "11/05/2026"), it is a whole Excel serial day number (45966), or the
// report is day-grained (r.days) and the clock reads midnight.
func isDayOnly(s string, local time.Time, r stampRules) bool {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f == math.Floor(f)
	}
	if !strings.Contains(s, ":") {
		return true
	}
	return r.days && local.Hour() == 0 && local.Minute() == 0 && local.Second() == 0 && local.Nanosecond() == 0
}

// stamp reads a timestamp of a vendor export. Offsets are honoured; local
// times are read in the configured zone and rejected when none is set; a
// slash date whose day and month order cannot be told is rejected.
func (rd *reader) stamp(s string, r stampRules) (time.Time, error) {
	s = exportCell(s)
	if s == "" {
		return time.Time{}, valueErr("is empty", "every row needs this timestamp")
	}
	if t, ok := parseWithOffset(s); ok {
		return t, nil
	}
	local := func(parse func(*time.Location) (time.Time, error)) (time.Time, error) {
		if rd.loc == nil {
			return time.Time{}, valueErr("has no UTC offset", "set "+rd.tzKey+" in postlive.yaml to the export's time zone (an IANA name like America/Los_Angeles)")
		}
		t, err := parse(rd.loc)
		return t.UTC(), err
	}
	for _, l := range append(r.local, localLayouts...) {
		if _, err := time.Parse(l, s); err == nil {
			return local(func(loc *time.Location) (time.Time, error) { return time.ParseInLocation(l, s, loc) })
		}
	}
	if looksSlashDate(s) {
		if ok, y, m, d, clock, err := splitSlashDate(s, r.usAMPM); ok {
			if err != nil {
				return time.Time{}, err
			}
			return local(func(loc *time.Location) (time.Time, error) {
				return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc).Add(clock), nil
			})
		}
		return time.Time{}, slashDateErr(s)
	}
	if r.excel {
		if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 && f < 2958466 {
			return local(func(loc *time.Location) (time.Time, error) { return excelTime(f, loc), nil })
		}
	}
	expect := r.expect
	if expect == "" {
		expect = "RFC 3339 like 2026-11-05T19:00:00-05:00"
	}
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		return time.Time{}, valueErr("is not a valid date and time", "check the day, month and time; expected "+expect)
	}
	return time.Time{}, valueErr("is not a timestamp", "expected "+expect)
}

// wallClock is the key form of a parsed local time: the wall clock in the
// configured zone, so a key does not change with the zone setting.
func (rd *reader) wallClock(t time.Time) string {
	if rd.loc != nil {
		t = t.In(rd.loc)
	}
	return t.Format("2006-01-02T15:04")
}

// excelTime converts an Excel serial day number (1900 date system) to a
// wall-clock time in loc.
func excelTime(f float64, loc *time.Location) time.Time {
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	return time.Date(1899, 12, 30, 0, 0, 0, 0, loc).AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
}

// splitSlashDate reads "a/b/yyyy[ h:mm[:ss][ AM|PM]]". ok is false when s
// does not have that shape. The order of a and b is month first with AM/PM
// when usAMPM is set, else told by a part above 12; both ≤ 12 and different
// is ambiguous.
func splitSlashDate(s string, usAMPM bool) (ok bool, y, m, d int, clock time.Duration, err error) {
	datePart, rest, _ := strings.Cut(s, " ")
	f := strings.Split(datePart, "/")
	if len(f) != 3 || len(f[2]) != 4 {
		return false, 0, 0, 0, 0, nil
	}
	a, e1 := strconv.Atoi(f[0])
	b, e2 := strconv.Atoi(f[1])
	y, e3 := strconv.Atoi(f[2])
	if e1 != nil || e2 != nil || e3 != nil || len(f[0]) > 2 || len(f[1]) > 2 {
		return false, 0, 0, 0, 0, nil
	}
	rest = strings.TrimSpace(rest)
	ampm := ""
	if up := strings.ToUpper(rest); strings.HasSuffix(up, "AM") || strings.HasSuffix(up, "PM") {
		ampm, rest = up[len(up)-2:], strings.TrimSpace(rest[:len(rest)-2])
	}
	if rest != "" {
		var hh, mm, ss int
		parts := strings.Split(rest, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return false, 0, 0, 0, 0, nil
		}
		vals := []*int{&hh, &mm, &ss}
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || len(p) > 2 || n < 0 {
				return false, 0, 0, 0, 0, nil
			}
			*vals[i] = n
		}
		if mm > 59 || ss > 59 || (ampm == "" && hh > 23) || (ampm != "" && (hh < 1 || hh > 12)) {
			return true, 0, 0, 0, 0, valueErr("is not a time of day", "check the hours and minutes")
		}
		if ampm == "PM" && hh != 12 {
			hh += 12
		}
		if ampm == "AM" && hh == 12 {
			hh = 0
		}
		clock = time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second
	} else if ampm != "" {
		return false, 0, 0, 0, 0, nil
	}
	switch {
	case usAMPM && ampm != "":
		m, d = a, b
	case a > 12 && b <= 12:
		d, m = a, b
	case b > 12 && a <= 12:
		m, d = a, b
	case a == b:
		m, d = a, b
	default:
		return true, 0, 0, 0, 0, slashDateErr(s)
	}
	if m < 1 || m > 12 || d < 1 || d > 31 || time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() != d {
		return true, 0, 0, 0, 0, valueErr("is not a date", "check the day and month; write dates as 2026-11-05 (ISO 8601)")
	}
	return true, y, m, d, clock, nil
}

// headerCurrency returns the currency named in the header of column i
// ("Price($)" → USD), else the configured fallback, else "".
func (rd *reader) headerCurrency(cols ...int) string {
	for _, i := range cols {
		if i >= 0 && rd.csv.hdr.Currency[i] != "" {
			return rd.csv.hdr.Currency[i]
		}
	}
	return strings.ToUpper(rd.opt.Currency)
}

// requireCols returns a FileError naming the first alias of every column
// the file lacks.
func (rd *reader) requireCols(cols map[string]int) error {
	var miss []string
	for name, i := range cols {
		if i < 0 {
			miss = append(miss, name)
		}
	}
	if len(miss) == 0 {
		return nil
	}
	sort.Strings(miss)
	return &FileError{File: rd.file, Line: 1 + rd.csv.offset, Msg: "the header lacks " + quoteList(miss) + " required by format " + rd.format.Name}
}

func sortStrings(ss []string) { sort.Strings(ss) }

// heldCellErr builds a reject for cell i of a row held in rd.csv.rec that is
// not the row the CSV reader stands on (grouped rows), on line.
func heldCellErr(rd *reader, i, line int, err error) Reject {
	rj := Reject{Line: line, Column: i + 1, Field: rd.csv.hdr.Raw[i], Value: rd.csv.Field(i)}
	if ev, ok := err.(*errValue); ok {
		rj.What, rj.Hint = ev.what, ev.hint
	} else {
		rj.What = err.Error()
	}
	return rj
}

// heldRow is a row of a CSV file kept after the reader moved on: one line
// item of an order whose rows are read together.
type heldRow struct {
	line  int
	cells []string
}

// groupRows reads the CSV rows of rd and hands each run of consecutive rows
// with the same key (the line items of one order) to flush. A broken row
// ends the current run and is rejected. skipFirst, when set, drops the first
// row if it says so (a description row under the header). The rows given to
// flush are only valid during the call.
func groupRows(rd *reader, key func(cells []string) string, skipFirst func(key string) bool, flush func(group []heldRow) error) error {
	var group []heldRow
	var pool [][]string
	done := func() error {
		if len(group) == 0 {
			return nil
		}
		err := flush(group)
		for _, r := range group {
			pool = append(pool, r.cells[:0])
		}
		group = group[:0]
		return err
	}
	first := true
	for rd.csv.Next() {
		if rj := rd.csv.Err(); rj != nil {
			if err := done(); err != nil {
				return err
			}
			rd.rejectCSV(*rj)
			first = false
			continue
		}
		var cells []string
		if n := len(pool); n > 0 {
			cells, pool = pool[n-1], pool[:n-1]
		}
		row := heldRow{line: rd.csv.line, cells: append(cells, rd.csv.rec...)}
		k := key(row.cells)
		if first {
			first = false
			if skipFirst != nil && skipFirst(k) {
				continue
			}
		}
		if len(group) > 0 && k != key(group[0].cells) {
			if err := done(); err != nil {
				return err
			}
		}
		group = append(group, row)
	}
	return done()
}

// cellAt returns cells[i], or "" for a column the file does not have.
func cellAt(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// rejectGroup rejects every row of an order: the row at fault (index bad)
// with rj, the others with what member says of them.
func (rd *reader) rejectGroup(group []heldRow, bad int, rj Reject, member func(r heldRow) Reject) {
	rd.reject(rj, group[bad].cells, rd.csv.hdr.Raw)
	for i, r := range group {
		if i != bad {
			rd.reject(member(r), r.cells, rd.csv.hdr.Raw)
		}
	}
}
