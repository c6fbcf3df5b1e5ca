package experiments

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ProportionStat holds one arm's successes out of trials (orders out of
// clicks). Treating each trial as an independent Bernoulli draw is only right
// when the trial itself was randomised (the rare click-level design); when
// streams were randomised use Ratio instead.
type ProportionStat struct {
	Successes int
	Trials    int
}

// ProportionResult compares two proportions, B (variant) against A (control).
type ProportionResult struct {
	PA, PB float64
	// Diff is PB − PA.
	Diff float64
	// PPooled is (x_A + x_B)/(n_A + n_B).
	PPooled float64
	// SEPooled is √(p̄(1−p̄)(1/n_A + 1/n_B)), the standard error under the null.
	SEPooled float64
	// Z is Diff/SEPooled and P its two-sided normal p-value.
	Z, P float64
	// SEUnpooled is √(p_A(1−p_A)/n_A + p_B(1−p_B)/n_B).
	SEUnpooled float64
	// CI is the Wald interval Diff ± z_{1−alpha/2}·SEUnpooled.
	CI Interval
	// Chi2 is the Pearson chi-square of the 2×2 table without continuity
	// correction (= Z²).
	Chi2 float64
	// RelativeLift is (PB − PA)/PA.
	RelativeLift float64
	// Relative tests RelativeLift as GrowthBook does for proportions:
	// population variances p(1−p), delta-method relative variance, Welch
	// degrees of freedom, t-based p-value and interval.
	Relative Test
	// Reason is non-empty when the pooled z test could not be computed.
	Reason Reason
}

// TwoProportion runs the pooled two-proportion z test of b against a at
// level alpha, with the unpooled Wald interval and the relative-lift variant.
func TwoProportion(a, b ProportionStat, alpha float64) ProportionResult {
	bad := func(r Reason) ProportionResult {
		return ProportionResult{Reason: r, Relative: Test{Reason: r}}
	}
	if !validAlpha(alpha) || a.Successes < 0 || b.Successes < 0 || a.Trials < 0 || b.Trials < 0 ||
		a.Successes > a.Trials || b.Successes > b.Trials {
		return bad(ReasonInvalidInput)
	}
	if a.Trials == 0 || b.Trials == 0 {
		return bad(ReasonNoTrials)
	}
	xa, na := float64(a.Successes), float64(a.Trials)
	xb, nb := float64(b.Successes), float64(b.Trials)
	pa, pb := xa/na, xb/nb
	pbar := (xa + xb) / (na + nb)
	se0 := math.Sqrt(pbar * (1 - pbar) * (1/na + 1/nb))
	if se0 == 0 {
		return bad(ReasonZeroVariance)
	}
	z := (pb - pa) / se0
	zc := distuv.UnitNormal.Quantile(1 - alpha/2)
	seU := math.Sqrt(pa*(1-pa)/na + pb*(1-pb)/nb)
	res := ProportionResult{
		PA: pa, PB: pb, Diff: pb - pa, PPooled: pbar, SEPooled: se0,
		Z: z, P: math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(z))),
		SEUnpooled: seU,
		CI:         Interval{Low: pb - pa - zc*seU, High: pb - pa + zc*seU},
		Chi2:       z * z,
	}
	va, vb := pa*(1-pa), pb*(1-pb)
	switch {
	case pa == 0:
		res.Relative = Test{Reason: ReasonZeroBaseline}
	case va == 0 && vb == 0:
		res.Relative = Test{Reason: ReasonZeroVariance}
		res.RelativeLift = (pb - pa) / pa
	default:
		res.RelativeLift = (pb - pa) / pa
		df := welchDF(va, a.Trials, vb, b.Trials)
		if a.Trials < 2 || b.Trials < 2 {
			res.Relative = Test{Reason: ReasonTooFewStreams}
		} else {
			res.Relative = relativeLift(pa, pb, va/na, vb/nb, df, alpha)
		}
	}
	if !finite(res.PA, res.PB, res.Diff, res.PPooled, res.SEPooled, res.Z, res.P, res.SEUnpooled,
		res.CI.Low, res.CI.High, res.Chi2, res.RelativeLift) {
		return bad(ReasonNonFinite)
	}
	return res
}
