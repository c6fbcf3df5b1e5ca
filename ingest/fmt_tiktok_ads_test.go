package ingest

import "testing"

func TestFormatTikTokAds(t *testing.T) {
	fmtRunCases(t, "tiktok-ads", []fmtCase{
		{file: "report.csv", kind: "spend"},
		// New York without DST is UTC-5: 19:00 on 5 July is 00:00 UTC on 6 July (with DST it would be 23:00 on 5 July); 18:00 stays on 5 July
		{file: "hourly.csv", kind: "spend", opt: Options{TimeZones: map[string]string{"tiktok-ads": "America/New_York"}}},
		{file: "hourly.csv", golden: "hourly-no-zone", kind: "spend"},
		{file: "broken.csv", kind: "spend"},
	})
}

func FuzzTikTokAds(f *testing.F) {
	fmtSeed(f, "tiktok-ads")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "spend", "tiktok-ads", ".csv", data, Options{TimeZones: map[string]string{"tiktok-ads": "America/New_York"}})
	})
}
