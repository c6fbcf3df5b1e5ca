package models_test

import (
	"path/filepath"
	"testing"
)

// Vendor exports in their real layouts (models/testdata/vendor/README.md
// says where each layout comes from), with the stream_kpis values worked
// out by hand: what a date-only Amazon order, a return processed days
// later, a TikTok LIVE session row and YouTube's per-minute peak MEAN for a
// stream (docs/metrics.md).
func TestVendorExportsMeaningByHand(t *testing.T) {
	w := newTestWorkspace(t)
	w.zones = map[string]string{"amazon-orders": "America/Los_Angeles", "amazon-earnings": "America/Los_Angeles", "tiktok-live": "Asia/Jakarta"}
	d := filepath.Join("testdata", "vendor")
	w.importFiles(
		importSpec{filepath.Join(d, "streams.csv"), "streams", ""},
		importSpec{filepath.Join(d, "links.csv"), "links", ""},
		importSpec{filepath.Join(d, "amazon-fee-orders.csv"), "orders", "amazon-us"},
		importSpec{filepath.Join(d, "amazon-fee-earnings-returns.csv"), "orders", "amazon-us"},
		importSpec{filepath.Join(d, "tiktok-live-sessions.csv"), "stream_metrics", ""},
		importSpec{filepath.Join(d, "yt-live.csv"), "stream_metrics", ""},
	)
	res, db := w.build(settingsDefault())
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	k := byKey(rows(t, db, "select * from stream_kpis"), "stream_id")

	// Amazon, times in UTC (Los Angeles is UTC−8): amz-early runs
	// 11-05 18:00–19:00, amz-live 11-06 02:00–03:00, both attributable for
	// 48 h after their end, both on tracking id hostlive-20.
	// Fee-Orders rows are calendar days of the Associates account:
	//   11-04 = [11-04 08:00, 11-05 08:00): ends before either stream starts → none
	//   11-05 = [11-05 08:00, 11-06 08:00): overlaps both; the latest stream of
	//           the day wins → amz-live: board 2 × 25.00 = 50.00, knife set 120.00;
	//           the day runs past amz-live's end → during/after unknown
	//   11-07 = [11-07 08:00, 11-08 08:00): overlaps both windows (amz-live's
	//           ends 11-08 03:00) → amz-live, starts after its end → after: 30.00
	//   11-09 = [11-09 08:00, …): after every window → none (apron 15.00)
	// Fee-Earnings 11-09: the knife set (B0KSET0001 on hostlive-20) is returned,
	// −120.00, four days after the stream: it reverses the 11-05 sale, so it
	// reduces amz-live, on the sale's side of the split (unknown). The pan
	// return (B0PAN00001) has no sale in the lake: it reduces no stream and is
	// listed in order_adjustments as no_sale.
	// amz-live: orders 3; revenue 50 + 120 + 30 − 120 = 80.00; during 0,
	// after 30.00 (1 order); timing unknown 50 + 120 − 120 = 50.00 (2 orders);
	// every row is day-grained: 80.00.
	check(t, "amz-live", k["amz-live"], map[string]string{
		"orders": "3", "revenue": "80.00",
		"orders_during": "0", "orders_after": "1", "orders_timing_unknown": "2",
		"revenue_during": "0.00", "revenue_after": "30.00", "revenue_timing_unknown": "50.00",
		"revenue_day_grained": "80.00", "aov": "26.666666666666668",
	})
	check(t, "amz-early", k["amz-early"], map[string]string{"orders": "0", "revenue": "0.00", "revenue_day_grained": "0.00"})
	adj := byKey(rows(t, db, "select * from order_adjustments"), "sale_key")
	check(t, "knife set return", adj["hostlive-20|B0KSET0001"], map[string]string{
		"match": "stream", "stream_id": "amz-live", "revenue": "-120.00", "processed_at": "2026-11-09T08:00:00Z",
		"original_ordered_at": "2026-11-05T08:00:00Z",
	})
	check(t, "pan return", adj["hostlive-20|B0PAN00001"], map[string]string{"match": "no_sale", "stream_id": "NULL", "revenue": "-35.00"})

	// TikTok LIVE without plan viewers: the session row (launched 18:58
	// Jakarta, 2 min before tt-live) gives Viewers 3,5RB = 3500 unique
	// viewers, PCU 1.2K = 1200 peak, ACU 310 average. No clicks or orders:
	// ctr and rpv are 0 / 3500 = 0 (not NULL: the viewers are known).
	check(t, "tt-live", k["tt-live"], map[string]string{
		"viewers": "3500", "viewer_basis": "unique", "viewer_source": "session",
		"peak_concurrent": "1200", "avg_concurrent": "310", "ctr": "0", "rpv": "0",
	})

	// YouTube: the per-minute rows' peakConcurrentViewers 130, 210, 160, 100
	// → peak 210 (not the largest per-minute average, 150); average of the
	// averages (100 + 150 + 120 + 90) / 4 = 115. Without plan or session
	// viewers, viewers = the peak, from the samples.
	check(t, "yt-live", k["yt-live"], map[string]string{
		"viewers": "210", "viewer_basis": "peak_concurrent", "viewer_source": "samples",
		"peak_concurrent": "210", "avg_concurrent": "115",
	})
}
