package ingest

import (
	"sync"
	"time"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database
)

var zones sync.Map

// loadZone loads an IANA time zone once.
func loadZone(name string) (*time.Location, error) {
	if z, ok := zones.Load(name); ok {
		return z.(*time.Location), nil
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, z)
	return z, nil
}

func fmtMicros(us int64) string { return time.UnixMicro(us).UTC().Format(time.RFC3339) }
