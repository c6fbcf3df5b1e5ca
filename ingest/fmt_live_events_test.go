package ingest

import "testing"

func TestFormatLiveEvents(t *testing.T) {
	fmtRunCases(t, "live-events", []fmtCase{
		{file: "events.jsonl", kind: "stream_metrics"},
		{file: "events.jsonl", golden: "events-as-chat", kind: "chat"},
		{file: "broken.jsonl", kind: "chat"},
	})
}

func FuzzLiveEvents(f *testing.F) {
	fmtSeed(f, "live-events")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "chat", "live-events", ".jsonl", data, Options{})
	})
}
