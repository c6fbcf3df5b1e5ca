package experiments

import "math"

// Sequence is GrowthBook's asymptotic confidence sequence for an estimate:
// its interval and p-value are meant to stay valid however often the data is
// looked at. Its validity is asymptotic: at 5–40 streams it excluded 0 in
// 7–13 % of no-effect experiments with nightly looks, so experiment_results
// no longer reports it (docs/statistics.md § Looking every night); it stays
// for comparison with GrowthBook and is pinned to its reference values.
type Sequence struct {
	// Rho is the mixture tuning √((−2 ln α + ln(−2 ln α + 1))/N*).
	Rho float64
	// HalfWidth is the half-width of CI.
	HalfWidth float64
	// CI is Estimate ± HalfWidth.
	CI Interval
	// P is the always-valid p-value min(1, 1/EValue).
	P float64
	// EValue is √(Nρ²+1)⁻¹·exp(ρ²·(est²N/se²)/(2(Nρ²+1))).
	EValue float64
	// Reason is non-empty when the sequence could not be computed.
	Reason Reason
}

// ConfidenceSequence returns GrowthBook's asymptotic confidence sequence
// (Waudby-Smith et al.) for an estimate est with standard error se after n
// units (streams, both arms together), tuned to be tightest at nStar units,
// at level alpha:
//
//	ρ = √((−2 ln α + ln(−2 ln α + 1))/N*)
//	half-width = √(se²·N)·√(2(Nρ²+1)·ln(√(Nρ²+1)/α)/(Nρ)²)
//
// GrowthBook's default N* = 5000 counts users; with streams as units callers
// should pass the planned number of streams (experiments.<id>.planned_streams),
// or the current number when no plan exists.
func ConfidenceSequence(est, se, n, nStar, alpha float64) Sequence {
	if !finite(est, se, n, nStar) || n <= 0 || nStar <= 0 || !validAlpha(alpha) || se < 0 {
		return Sequence{Reason: ReasonInvalidInput}
	}
	if se == 0 {
		return Sequence{Reason: ReasonZeroVariance}
	}
	la := -2 * math.Log(alpha)
	rho := math.Sqrt((la + math.Log(la+1)) / nStar)
	s2 := se * se * n
	tr := n*rho*rho + 1
	hw := math.Sqrt(s2) * math.Sqrt(2*tr*math.Log(math.Sqrt(tr)/alpha)/((n*rho)*(n*rho)))
	st2 := est * est * n / (se * se)
	e := math.Exp(rho*rho*st2/(2*tr)) / math.Sqrt(tr)
	s := Sequence{Rho: rho, HalfWidth: hw, CI: Interval{Low: est - hw, High: est + hw}, EValue: e}
	if math.IsInf(e, 1) {
		// The evidence is overwhelming: the p-value is 0, not NaN.
		s.EValue = math.MaxFloat64
	}
	s.P = math.Min(1, 1/s.EValue)
	if !finite(s.Rho, s.HalfWidth, s.CI.Low, s.CI.High, s.P, s.EValue) {
		return Sequence{Reason: ReasonNonFinite}
	}
	return s
}
