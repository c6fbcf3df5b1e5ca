package ingest

import "testing"

func TestFormatTikTokLiveMinutes(t *testing.T) {
	fmtRunCases(t, "tiktok-live-minutes", []fmtCase{
		{file: "minutes.json", kind: "stream_metrics", plan: "plan-streams.csv"},
		{file: "minutes.json", golden: "minutes-no-plan", kind: "stream_metrics"},
		{file: "broken.json", kind: "stream_metrics"},
	})
}

func FuzzTikTokLiveMinutes(f *testing.F) {
	fmtSeed(f, "tiktok-live-minutes")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "stream_metrics", "", ".json", data, Options{})
	})
}
