package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/models"
)

// TestRangeExpansionBounded: a stream that lasts 30 days (imported with the
// plausibility check widened, as a lake from before it could hold) expands
// into at most 7 days of minutes and of attribution days, by construction:
// no row can make the build build a list that cannot spill.
func TestRangeExpansionBounded(t *testing.T) {
	w := newTestWorkspace(t)
	p := writeTestFile(t, "streams.csv", "stream_id,affiliate_id,started_at,ended_at,merchant_id\n"+
		"s-long,ana,2026-10-01T00:00:00Z,2026-10-31T00:00:00Z,glowlab\n"+
		"s-ok,ana,2026-11-02T19:00:00Z,2026-11-02T19:45:00Z,glowlab\n")
	st, err := ingest.Import(context.Background(), w.lake, p, ingest.Options{Kind: "streams", Salt: "test-salt", Now: w.clock,
		Plausible: ingest.Plausible{MaxStreamLength: 1000 * time.Hour}})
	if err != nil || st.Accepted != 2 {
		t.Fatalf("import: %v %+v", err, st)
	}
	_, db := w.build(models.Settings{})
	got := rows(t, db, `select stream_id, count(*) as n from int_stream_minutes group by all order by all`)
	if len(got) != 2 || got[0]["n"] != "10080" || got[1]["n"] != "45" {
		t.Errorf("minutes per stream %v; want s-long capped at 10080 (7 days), s-ok 45", got)
	}
}
