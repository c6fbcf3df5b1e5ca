package ingest

import "testing"

func TestFormatYouTubeLive(t *testing.T) {
	fmtRunCases(t, "youtube-live", []fmtCase{
		{file: "s8-youtube.csv", kind: "stream_metrics", plan: "plan-streams.csv"},
		{file: "report.csv", kind: "stream_metrics"},
		{file: "broken.csv", kind: "stream_metrics", plan: "plan-streams.csv"},
	})
}

func FuzzYouTubeLive(f *testing.F) {
	fmtSeed(f, "youtube-live")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "stream_metrics", "youtube-live", ".csv", data, Options{})
	})
}
