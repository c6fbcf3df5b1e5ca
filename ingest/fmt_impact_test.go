package ingest

import "testing"

func TestFormatImpact(t *testing.T) {
	fmtRunCases(t, "impact", []fmtCase{
		{file: "actions.csv", kind: "orders"},
		{file: "actions.csv", golden: "actions-merchant", kind: "orders", opt: Options{Merchant: "acme"}},
		{file: "broken.csv", kind: "orders"},
	})
}

func FuzzImpact(f *testing.F) {
	fmtSeed(f, "impact")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "orders", "impact", ".csv", data, Options{TimeZones: map[string]string{"impact": "America/New_York"}})
	})
}
