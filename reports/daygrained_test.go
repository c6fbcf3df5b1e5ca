package reports

import (
	"database/sql"
	"testing"
)

// TestDayGrainedNote: a stream with revenue known only by its day says how
// much, and how much of it is in neither bar of the during/after chart
// (issue 16: "reports say how much revenue is day-grained"). The figures
// are models/vendor_test.go's Amazon Live stream: 80.00 day-grained, 50.00
// of it with unknown timing.
func TestDayGrainedNote(t *testing.T) {
	s := &stream{RevenueDayGrained: sql.NullFloat64{Float64: 80, Valid: true},
		RevenueTimingUnknown: sql.NullFloat64{Float64: 50, Valid: true}}
	want := "$80.00 of this stream's revenue comes from orders the export dates by day only, without a time. " +
		"$50.00 of it cannot be placed before or after the stream ended, so it is in the total but in neither bar."
	if got := dayGrainedNote(s, "USD"); got != want {
		t.Errorf("dayGrainedNote = %q; want %q", got, want)
	}
	s.RevenueTimingUnknown = sql.NullFloat64{Float64: 0, Valid: true}
	if got := dayGrainedNote(s, "USD"); got != want[:len("$80.00 of this stream's revenue comes from orders the export dates by day only, without a time.")] {
		t.Errorf("dayGrainedNote without unknown timing = %q", got)
	}
	for _, v := range []sql.NullFloat64{{}, {Float64: 0, Valid: true}} {
		if got := dayGrainedNote(&stream{RevenueDayGrained: v}, "USD"); got != "" {
			t.Errorf("dayGrainedNote(%v) = %q; want none", v, got)
		}
	}
}
