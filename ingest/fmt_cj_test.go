package ingest

import "testing"

func TestFormatCJ(t *testing.T) {
	fmtRunCases(t, "cj", []fmtCase{
		{file: "commissions.csv", kind: "orders"},
		{file: "commission-detail-ui.csv", kind: "orders"},
		{file: "broken.csv", kind: "orders"},
	})
}

func FuzzCJ(f *testing.F) {
	fmtSeed(f, "cj")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "orders", "cj", ".csv", data, Options{})
	})
}
