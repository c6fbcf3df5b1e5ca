package reports

import (
	"database/sql"
	"testing"
)

// TestMomentsNote: a stream without moments to clip says why, from what its
// stream_minute rows leave unknown (docs/metrics.md § Moments to clip).
func TestMomentsNote(t *testing.T) {
	v := func(x float64) sql.NullFloat64 { return sql.NullFloat64{Float64: x, Valid: true} }
	null := sql.NullFloat64{}
	tests := []struct {
		name     string
		platform string
		minutes  []minute
		want     string
	}{
		{"moments", "tiktok", []minute{{Likes: v(3), Engagement: v(2), IsPeak: true}, {Likes: v(0), Engagement: v(0)}}, ""},
		{"no minutes", "tiktok", nil, "No per-minute data for this stream, so no moments to clip."},
		{"not reported", "youtube", []minute{{Viewers: v(120)}, {Viewers: v(150)}},
			"Engagement not reported by YouTube: no likes, comments or shares per minute, so no moments to clip."},
		{"not reported, no platform", "", []minute{{Viewers: v(120)}},
			"Engagement not reported by the platform: no likes, comments or shares per minute, so no moments to clip."},
		{"no viewers", "tiktok", []minute{{Likes: v(4), Comments: null, Shares: null}},
			"No engagement rate: TikTok reported no viewers per minute, so no moments to clip."},
		{"zero engagement", "instagram", []minute{{Viewers: v(100), Comments: v(0), Engagement: v(0)}, {Comments: v(0)}},
			"No likes, comments or shares in any minute, so no moments to clip."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := momentsNote(&stream{Platform: tc.platform, Minutes: tc.minutes}); got != tc.want {
				t.Errorf("momentsNote(%s) = %q; want %q", tc.name, got, tc.want)
			}
		})
	}
}

// TestMinuteLabel: the last minute cut at ended_at says it is partial.
func TestMinuteLabel(t *testing.T) {
	for _, tc := range []struct {
		m    minute
		want string
	}{
		{minute{Minute: 3, DurationS: sql.NullFloat64{Float64: 60, Valid: true}}, "03:00"},
		{minute{Minute: 44, DurationS: sql.NullFloat64{Float64: 15, Valid: true}}, "44:00 (partial, 15 s)"},
		{minute{Minute: 44}, "44:00"}, // a mart without duration_s
	} {
		if got := minuteLabel(tc.m); got != tc.want {
			t.Errorf("minuteLabel(%+v) = %q; want %q", tc.m, got, tc.want)
		}
	}
}
