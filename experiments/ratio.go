package experiments

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// RatioStat holds the sufficient statistics of one arm for a ratio metric
// R = ΣM/ΣD over K units (streams), e.g. RPV with M = revenue and D = viewers
// per stream: the sums of M, D, M², D² and M·D.
type RatioStat struct {
	K     int
	SumM  float64
	SumD  float64
	SumM2 float64
	SumD2 float64
	SumMD float64
}

// RatioArm is one arm of a ratio metric, computed from its RatioStat.
type RatioArm struct {
	K            int
	MeanM, MeanD float64
	// VarM, VarD and CovMD are the sample (co)variances of M and D over the
	// streams (n−1 denominator).
	VarM, VarD, CovMD float64
	// R is ΣM/ΣD.
	R float64
	// VarUnit is the per-stream delta-method variance
	// s²_M/μ_D² − 2μ_M·s_MD/μ_D³ + μ_M²·s²_D/μ_D⁴ = Σ(M_i − R·D_i)²/(k−1)/μ_D²
	// (GrowthBook's RatioStatistic.variance).
	VarUnit float64
	// VarR is VarUnit/K, the variance of R; SER its square root.
	VarR, SER float64
}

// Arm computes the arm's ratio and delta-method variance, or a reason:
// ReasonTooFewStreams for K < 2, ReasonZeroDenominator for ΣD = 0.
func (s RatioStat) Arm() (RatioArm, Reason) {
	if s.K < 0 || !finite(s.SumM, s.SumD, s.SumM2, s.SumD2, s.SumMD) || s.SumM2 < 0 || s.SumD2 < 0 {
		return RatioArm{}, ReasonInvalidInput
	}
	if s.K < 2 {
		return RatioArm{}, ReasonTooFewStreams
	}
	if s.SumD == 0 {
		return RatioArm{}, ReasonZeroDenominator
	}
	k := float64(s.K)
	muM, muD := s.SumM/k, s.SumD/k
	varM := (s.SumM2 - s.SumM*s.SumM/k) / (k - 1)
	varD := (s.SumD2 - s.SumD*s.SumD/k) / (k - 1)
	cov := (s.SumMD - s.SumM*s.SumD/k) / (k - 1)
	r := s.SumM / s.SumD
	vu := varM/(muD*muD) - 2*muM*cov/(muD*muD*muD) + muM*muM*varD/(muD*muD*muD*muD)
	// vu·μ_D² is the variance of the residuals M − R·D, a sum of squares: what
	// is left after the cancellation of the sums is rounding when it is tiny
	// against the mean square of the terms.
	scale := (s.SumM2 + r*r*s.SumD2) / k
	if vu*muD*muD <= 1e-12*scale {
		vu = 0
	}
	arm := RatioArm{
		K: s.K, MeanM: muM, MeanD: muD, VarM: varM, VarD: varD, CovMD: cov,
		R: r, VarUnit: vu, VarR: vu / k, SER: math.Sqrt(vu / k),
	}
	if !finite(arm.MeanM, arm.MeanD, arm.VarM, arm.VarD, arm.CovMD, arm.R, arm.VarUnit, arm.VarR, arm.SER) {
		return RatioArm{}, ReasonNonFinite
	}
	return arm, OK
}

// LogRatio is the interval for the relative lift built on log(R_B/R_A), which
// is asymmetric and keeps the lower bound above −100 %.
type LogRatio struct {
	LogRatio float64
	// SE is √(VarR_B/R_B² + VarR_A/R_A²).
	SE float64
	// CINormal and CIT are exp(log ratio ± crit·SE) − 1 with the normal and
	// the Welch t critical value.
	CINormal, CIT Interval
	Reason        Reason
}

// RatioResult compares a ratio metric between arm B (variant) and arm A
// (control) with streams as units (delta method). The relative lift is the
// default estimand of postlive (experiment_results.lift_rel, ci_low, ci_high,
// p_value).
type RatioResult struct {
	A, B RatioArm
	// DF is the Welch–Satterthwaite degrees of freedom from (VarUnit, K) of
	// each arm.
	DF float64
	// Absolute tests R_B − R_A (variance VarR_A + VarR_B) with Student's t on
	// DF degrees of freedom; AbsoluteNormal the same with the normal
	// distribution.
	Absolute, AbsoluteNormal Test
	// Relative tests L = R_B/R_A − 1 with
	// Var(L) = VarR_B/R_A² + R_B²·VarR_A/R_A⁴ and t on DF degrees of freedom
	// (GrowthBook's frequentist engine); RelativeNormal with the normal.
	Relative, RelativeNormal Test
	// VarLift is Var(L).
	VarLift float64
	// LogRatio is the log-ratio interval for L.
	LogRatio LogRatio
	// Fieller is Fieller's interval for R_B/R_A − 1 (arms independent,
	// normal critical value). FiellerReason is ReasonUnbounded when the
	// interval is not bounded.
	Fieller       Interval
	FiellerReason Reason
	// FiellerT is Fieller's interval with the t critical value at the
	// Welch degrees of freedom DF (what experiment_results reports: at a
	// few streams the normal value is too narrow); FiellerTReason as above.
	FiellerT       Interval
	FiellerTReason Reason
	// Reason is non-empty when the relative lift could not be computed.
	Reason Reason
}

// Ratio compares ratio metric b (variant) against a (control) at level alpha.
func Ratio(a, b RatioStat, alpha float64) RatioResult {
	bad := func(r Reason) RatioResult {
		t := Test{Reason: r}
		return RatioResult{Reason: r, Absolute: t, AbsoluteNormal: t, Relative: t, RelativeNormal: t,
			LogRatio: LogRatio{Reason: r}, FiellerReason: r, FiellerTReason: r}
	}
	if !validAlpha(alpha) {
		return bad(ReasonInvalidInput)
	}
	ra, rsnA := a.Arm()
	rb, rsnB := b.Arm()
	if r := firstReason(rsnA, rsnB); r != OK {
		return bad(r)
	}
	if ra.VarUnit == 0 && rb.VarUnit == 0 {
		return bad(ReasonZeroVariance)
	}
	df := welchDF(ra.VarUnit, ra.K, rb.VarUnit, rb.K)
	if !finite(df, ra.VarR+rb.VarR) {
		return bad(ReasonNonFinite)
	}
	res := RatioResult{A: ra, B: rb, DF: df}
	seAbs := math.Sqrt(ra.VarR + rb.VarR)
	res.Absolute = tTest(rb.R-ra.R, seAbs, df, alpha)
	res.AbsoluteNormal = tTest(rb.R-ra.R, seAbs, 0, alpha)
	if ra.R == 0 {
		z := Test{Reason: ReasonZeroBaseline}
		res.Relative, res.RelativeNormal = z, z
		res.LogRatio = LogRatio{Reason: ReasonZeroBaseline}
		res.FiellerReason = ReasonZeroBaseline
		res.FiellerTReason = ReasonZeroBaseline
		res.Reason = ReasonZeroBaseline
		return res
	}
	// The relative lift of a ratio is (R_B − R_A)/R_A (not |R_A|): ratios of
	// revenue, clicks and orders to viewers are positive.
	lift := rb.R/ra.R - 1
	ra2 := ra.R * ra.R
	res.VarLift = rb.VarR/ra2 + rb.R*rb.R*ra.VarR/(ra2*ra2)
	res.Relative = tTest(lift, math.Sqrt(res.VarLift), df, alpha)
	res.RelativeNormal = tTest(lift, math.Sqrt(res.VarLift), 0, alpha)
	res.Reason = res.Relative.Reason
	if !finite(res.VarLift) {
		res.VarLift = 0
	}

	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	if ra.R > 0 && rb.R > 0 {
		lr := math.Log(rb.R / ra.R)
		se := math.Sqrt(rb.VarR/(rb.R*rb.R) + ra.VarR/ra2)
		tc := res.Relative.Crit
		res.LogRatio = LogRatio{
			LogRatio: lr, SE: se,
			CINormal: Interval{Low: math.Expm1(lr - z*se), High: math.Expm1(lr + z*se)},
			CIT:      Interval{Low: math.Expm1(lr - tc*se), High: math.Expm1(lr + tc*se)},
		}
		if !finite(lr, se, res.LogRatio.CINormal.Low, res.LogRatio.CINormal.High,
			res.LogRatio.CIT.Low, res.LogRatio.CIT.High) || tc == 0 {
			res.LogRatio = LogRatio{Reason: ReasonNonFinite}
		}
	} else {
		res.LogRatio = LogRatio{Reason: ReasonZeroBaseline}
	}
	res.Fieller, res.FiellerReason = fieller(ra.R, rb.R, ra.VarR, rb.VarR, z)
	res.FiellerT, res.FiellerTReason = fieller(ra.R, rb.R, ra.VarR, rb.VarR, res.Relative.Crit)
	if res.Relative.Reason != OK {
		res.FiellerT, res.FiellerTReason = Interval{}, res.Relative.Reason
	}
	return res
}

// fieller returns Fieller's interval for θ − 1 = R_B/R_A − 1 for independent
// arms: the θ with (R_B − θR_A)² ≤ z²(VarR_B + θ²VarR_A).
func fieller(ra, rb, va, vb, z float64) (Interval, Reason) {
	qa := ra*ra - z*z*va
	qb := -2 * ra * rb
	qc := rb*rb - z*z*vb
	disc := qb*qb - 4*qa*qc
	if !(qa > 0 && disc > 0) {
		return Interval{}, ReasonUnbounded
	}
	s := math.Sqrt(disc)
	iv := Interval{Low: (-qb-s)/(2*qa) - 1, High: (-qb+s)/(2*qa) - 1}
	if !finite(iv.Low, iv.High) {
		return Interval{}, ReasonNonFinite
	}
	return iv, OK
}
