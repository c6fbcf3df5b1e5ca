package ingest

import "testing"

var tiktokShopOpt = Options{Merchant: "acme-tiktok", TimeZones: map[string]string{"tiktok-shop": "America/New_York"}}

func TestFormatTikTokShop(t *testing.T) {
	fmtRunCases(t, "tiktok-shop", []fmtCase{
		{file: "orders.csv", kind: "orders", opt: tiktokShopOpt},
		{file: "broken.csv", kind: "orders", opt: tiktokShopOpt},
	})
}

func FuzzTikTokShop(f *testing.F) {
	fmtSeed(f, "tiktok-shop")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "orders", "tiktok-shop", ".csv", data, tiktokShopOpt)
	})
}
