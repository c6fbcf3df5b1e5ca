package models

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	"github.com/marcboeker/go-duckdb"
)

// The DuckDB build has no ICU, so SQL cannot convert a UTC timestamp to a
// stream's own time zone. registerTimeFunctions adds the two conversions the
// models need, done with Go's time package:
//
//	local_hour(ts TIMESTAMP, tz VARCHAR)     INTEGER 0–23: the hour of ts (UTC) in zone tz
//	local_weekday(ts TIMESTAMP, tz VARCHAR)  INTEGER 1–7: the ISO weekday (1 Monday … 7 Sunday)
//
// tz is an IANA name ("America/New_York"); "" means UTC. A NULL argument or a
// zone Go does not know gives NULL.
func registerTimeFunctions(conn *sql.Conn) error {
	ts, err := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP)
	if err != nil {
		return fmt.Errorf("register time functions: %w", err)
	}
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return fmt.Errorf("register time functions: %w", err)
	}
	integer, err := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	if err != nil {
		return fmt.Errorf("register time functions: %w", err)
	}
	for name, part := range map[string]func(time.Time) int{
		"local_hour": func(t time.Time) int { return t.Hour() },
		"local_weekday": func(t time.Time) int {
			if d := t.Weekday(); d != time.Sunday {
				return int(d)
			}
			return 7
		},
	} {
		udf := &scalarFunc{in: []duckdb.TypeInfo{ts, varchar}, out: integer, fn: localTimeFunc(part)}
		if err := duckdb.RegisterScalarUDF(conn, name, udf); err != nil {
			return fmt.Errorf("register sql function %s: %w", name, err)
		}
	}
	return nil
}

// localTimeFunc returns a row function (ts, tz) → part of ts in tz.
func localTimeFunc(part func(time.Time) int) func([]driver.Value) (any, error) {
	return func(vs []driver.Value) (any, error) {
		t, ok := vs[0].(time.Time)
		name, okName := vs[1].(string)
		if !ok || !okName {
			return nil, nil
		}
		loc, ok := location(name)
		if !ok {
			return nil, nil
		}
		// A TIMESTAMP arrives as a time.Time whose clock reading is the UTC
		// one; rebuild it as UTC before moving it to the zone.
		utc := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		return part(utc.In(loc)), nil
	}
}

// locations caches time.LoadLocation by name (a *time.Location, or nil for
// a name Go does not know).
var locations sync.Map

func location(name string) (*time.Location, bool) {
	if v, ok := locations.Load(name); ok {
		loc, _ := v.(*time.Location)
		return loc, loc != nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" { // "Local" would depend on the machine
		loc = nil
	}
	locations.Store(name, loc)
	return loc, loc != nil
}
