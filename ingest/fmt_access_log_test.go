package ingest

import "testing"

func TestFormatAccessLog(t *testing.T) {
	fmtRunCases(t, "access-log", []fmtCase{
		{file: "access.log", kind: "clicks"},
		{file: "access.log.gz", kind: "clicks"},
		{file: "broken.log", kind: "clicks"},
	})
}

func FuzzAccessLog(f *testing.F) {
	fmtSeed(f, "access-log")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "clicks", "", ".log", data, Options{})
	})
}
