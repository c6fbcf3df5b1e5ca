package ingest

import "testing"

var amazonZones = map[string]string{"amazon-orders": "America/Los_Angeles", "amazon-earnings": "America/Los_Angeles"}

func TestFormatAmazonOrders(t *testing.T) {
	fmtRunCases(t, "amazon-orders", []fmtCase{
		{file: "orders.csv", kind: "orders", opt: Options{Merchant: "amazon-us", TimeZones: amazonZones}},
		{file: "orders.csv", golden: "orders-no-zone", kind: "orders", opt: Options{Merchant: "amazon-us"}},
		{file: "orders.csv", golden: "orders-no-merchant", kind: "orders", opt: Options{TimeZones: amazonZones}},
		{file: "orders-in.zip", kind: "orders", opt: Options{Merchant: "amazon-in", TimeZones: map[string]string{"amazon-orders": "Asia/Kolkata"}}},
		{file: "workbook.xlsx", kind: "orders", opt: Options{Merchant: "amazon-us", TimeZones: amazonZones}},
		{file: "broken.csv", kind: "orders", opt: Options{Merchant: "amazon-us", TimeZones: amazonZones}},
	})
}

func FuzzAmazonOrders(f *testing.F) {
	fmtSeed(f, "amazon-orders")
	f.Fuzz(func(t *testing.T, data []byte) {
		fmtFuzzImport(t, "orders", "amazon-orders", ".csv", data, Options{Merchant: "m", TimeZones: amazonZones})
	})
}
