package ingest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Plausible bounds what a row may say about time: a timestamp (or date)
// before Earliest or more than LatestAhead after the import is a typo or a
// placeholder (0001-01-01, 9999-12-31), and a stream longer than
// MaxStreamLength is too. Such a row is rejected at import with the reason:
// accepted, it would make the models expand a range per stream-minute or
// per day over centuries.
type Plausible struct {
	Earliest        time.Time
	LatestAhead     time.Duration
	MaxStreamLength time.Duration
}

// DefaultPlausible is the range of import.earliest, import.latest_ahead and
// import.max_stream_length unless configured.
var DefaultPlausible = Plausible{
	Earliest:        time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
	LatestAhead:     2 * 365 * 24 * time.Hour,
	MaxStreamLength: 24 * time.Hour,
}

func (p Plausible) orDefault() Plausible {
	if p.Earliest.IsZero() {
		p.Earliest = DefaultPlausible.Earliest
	}
	if p.LatestAhead == 0 {
		p.LatestAhead = DefaultPlausible.LatestAhead
	}
	if p.MaxStreamLength == 0 {
		p.MaxStreamLength = DefaultPlausible.MaxStreamLength
	}
	return p
}

// plausibility is the check of an import: the bounds in the units of the
// lake's columns.
type plausibility struct {
	lo, hi       int64 // µs since the epoch
	loDay, hiDay int64 // days since the epoch
	maxLen       int64 // µs
	p            Plausible
	hiTime       time.Time
}

func newPlausibility(p Plausible, now time.Time) *plausibility {
	p = p.orDefault()
	hi := now.Add(p.LatestAhead)
	return &plausibility{
		lo: p.Earliest.UnixMicro(), hi: hi.UnixMicro(),
		loDay: floorDiv(p.Earliest.Unix(), 86400), hiDay: floorDiv(hi.Unix(), 86400),
		maxLen: p.MaxStreamLength.Microseconds(), p: p, hiTime: hi,
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// check returns the reject of a canonical record whose times are out of
// range, or nil.
func (c *plausibility) check(r *Record) *Reject {
	t := r.Table
	for i, col := range t.Columns {
		v := r.Vals[i]
		if !v.Valid {
			continue
		}
		var bad bool
		switch col.Kind {
		case Time:
			bad = v.I < c.lo || v.I > c.hi
		case Date:
			bad = v.I < c.loDay || v.I > c.hiDay
		default:
			continue
		}
		if bad {
			shown := time.Unix(v.I*86400, 0).UTC().Format("2006-01-02")
			if col.Kind == Time {
				shown = time.UnixMicro(v.I).UTC().Format(time.RFC3339)
			}
			return &Reject{Line: r.Line, Column: 1, Field: col.Name, Value: shown,
				What: fmt.Sprintf("is outside the plausible range %s to %s", c.p.Earliest.Format("2006-01-02"), c.hiTime.UTC().Format("2006-01-02")),
				Hint: "check the date (a placeholder like 0001-01-01 or 9999-12-31?); widen import.earliest or import.latest_ahead if it is real"}
		}
	}
	if t == Drops {
		if v := r.Get("discount_pct"); v.Valid && (v.Float() < 0 || v.Float() > 100) {
			return &Reject{Line: r.Line, Column: 1, Field: "discount_pct", Value: strconv.FormatFloat(v.Float(), 'g', -1, 64),
				What: "is not a percentage from 0 to 100", Hint: "write a 20 % discount as 20"}
		}
	}
	if t == Streams {
		s, e := r.Get("started_at"), r.Get("ended_at")
		if s.Valid && e.Valid && e.I-s.I > c.maxLen {
			return &Reject{Line: r.Line, Column: 1, Field: "ended_at", Value: time.UnixMicro(e.I).UTC().Format(time.RFC3339),
				What: fmt.Sprintf("makes the stream %s long, longer than %s", time.Duration(e.I-s.I)*time.Microsecond, c.p.MaxStreamLength),
				Hint: "check started_at and ended_at; raise import.max_stream_length if such streams are real"}
		}
	}
	return nil
}

// recordJSONOf renders a canonical record (its personal data already keys)
// as a reject's record.
func recordJSONOf(r *Record) string {
	m := map[string]any{}
	for i, col := range r.Table.Columns {
		v := r.Vals[i]
		if !v.Valid || col.Name == "source_sha256" || col.Name == "import_seq" || col.Name == "source_format" || col.Name == "source_line" {
			continue
		}
		m[col.Name] = fmtValue(col.Kind, v)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func fmtValue(k Kind, v Value) any {
	switch k {
	case String:
		return v.S
	case Time:
		return time.UnixMicro(v.I).UTC().Format(time.RFC3339Nano)
	case Date:
		return time.Unix(v.I*86400, 0).UTC().Format("2006-01-02")
	case Float:
		return v.Float()
	case Bool:
		return v.B
	case Money:
		return fmt.Sprintf("%d.%02d", v.I/100, abs(v.I%100))
	}
	return v.I
}

func abs(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}
