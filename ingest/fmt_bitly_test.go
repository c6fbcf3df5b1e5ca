package ingest

import "testing"

func TestFormatBitly(t *testing.T) {
	fmtRunCases(t, "bitly", []fmtCase{
		{file: "clicks.csv", kind: "clicks"},
		{file: "broken.csv", kind: "clicks"},
	})
}

func FuzzBitly(f *testing.F) {
	fmtSeed(f, "bitly")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "clicks", "bitly", ".csv", data, Options{})
	})
}
