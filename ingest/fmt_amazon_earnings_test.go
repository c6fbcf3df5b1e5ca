package ingest

import "testing"

func TestFormatAmazonEarnings(t *testing.T) {
	fmtRunCases(t, "amazon-earnings", []fmtCase{
		{file: "earnings.csv", kind: "orders", opt: Options{Merchant: "amazon-us", TimeZones: amazonZones}},
		{file: "earnings-uk.csv", kind: "orders", opt: Options{Merchant: "amazon-uk", TimeZones: amazonZones}},
		{file: "earnings-uk.csv", golden: "earnings-uk-gbp", kind: "orders", opt: Options{Merchant: "amazon-uk", Currency: "GBP", TimeZones: map[string]string{"amazon-earnings": "Europe/London"}}},
		{file: "workbook.xlsx", kind: "orders", opt: Options{Format: "amazon-earnings", Merchant: "amazon-us", TimeZones: amazonZones}},
		{file: "broken.csv", kind: "orders", opt: Options{Merchant: "amazon-us", TimeZones: amazonZones}},
	})
}

func FuzzAmazonEarnings(f *testing.F) {
	fmtSeed(f, "amazon-earnings")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "orders", "amazon-earnings", ".csv", data, Options{Merchant: "m", TimeZones: amazonZones})
	})
}
