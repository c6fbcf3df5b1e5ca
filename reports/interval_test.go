package reports

import (
	"database/sql"
	"strings"
	"testing"
)

// TestOpenInterval: experiment_results leaves ci_high NULL when the design
// cannot bound the lift from above (ci_low is −100 % then); the page says so
// instead of a dash or an interval below −100 %.
func TestOpenInterval(t *testing.T) {
	x := expRow{Metric: "rpv", Variant: "B", Control: "A",
		LiftRel: sql.NullFloat64{Float64: -0.357, Valid: true}, CILow: sql.NullFloat64{Float64: -1, Valid: true},
		PValue: sql.NullFloat64{Float64: 0.167, Valid: true}, Alpha: sql.NullFloat64{Float64: 0.05, Valid: true}}
	if got := ciText(x); got != "−100.0% to no upper bound" {
		t.Errorf("ciText = %q", got)
	}
	if s := sentence(x); !strings.Contains(s, "95% interval −100.0% to no upper bound") {
		t.Errorf("sentence = %q", s)
	}
	x.CIHigh = sql.NullFloat64{Float64: 0.3, Valid: true}
	if got := ciText(x); got != "−100.0% to +30.0%" {
		t.Errorf("ciText = %q", got)
	}
}
