package ingest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

var tiktokLiveOpt = Options{TimeZones: map[string]string{"tiktok-live": "America/New_York"}}

func TestFormatTikTokLive(t *testing.T) {
	fmtRunCases(t, "tiktok-live", []fmtCase{
		{file: "live.csv", kind: "stream_metrics", plan: "plan-streams.csv", opt: tiktokLiveOpt},
		{file: "live-id.xlsx", kind: "stream_metrics", plan: "plan-streams.csv", opt: tiktokLiveOpt},
		{file: "live.csv", golden: "live-no-plan", kind: "stream_metrics", opt: tiktokLiveOpt},
		{file: "broken.csv", kind: "stream_metrics", plan: "plan-streams.csv", opt: tiktokLiveOpt},
	})
}

func TestParseDurationCell(t *testing.T) {
	for in, want := range map[string]int64{"3600": 3600, "01:02:03": 3723, "1h2m3s": 3723, "45m": 2700, "1 jam 5 menit": 3900, "40s": 40} {
		if got, err := parseDurationCell(in); err != nil || got != want {
			t.Errorf("parseDurationCell(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseDurationCell("an hour"); err == nil {
		t.Errorf("parseDurationCell(%q) = nil error; want an error", "an hour")
	}
}

// TestLakeInitRefreshesSchema: after a table gains optional columns, Init
// rewrites its zero-row schema file and leaves current ones alone.
func TestLakeInitRefreshesSchema(t *testing.T) {
	lake := &Lake{Dir: t.TempDir()}
	if err := Init(lake); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(lake.Dir, "stream_metrics", "_schema.parquet")
	old := newTable("stream_metrics", nil, "", req("stream_id", String), req("ts", Time))
	w, err := newPartWriter(old, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	if schemaCurrent(p, StreamMetrics) {
		t.Fatal("schemaCurrent(old schema) = true; want false")
	}
	clicks := filepath.Join(lake.Dir, "clicks", "_schema.parquet")
	past := time.Now().Add(-time.Hour)
	os.Chtimes(clicks, past, past)
	if err := Init(lake); err != nil {
		t.Fatal(err)
	}
	if !schemaCurrent(p, StreamMetrics) {
		t.Error("after Init the stream_metrics schema file is still the old one")
	}
	if fi, _ := os.Stat(clicks); !fi.ModTime().Equal(past) {
		t.Error("Init rewrote a current schema file")
	}
}

func FuzzTikTokLive(f *testing.F) {
	fmtSeed(f, "tiktok-live")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "stream_metrics", "tiktok-live", ".csv", data, tiktokLiveOpt)
	})
}
