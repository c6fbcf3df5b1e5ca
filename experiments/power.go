package experiments

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// TTestPower returns the power of the two-sided two-sample t test at level
// alpha for standardised effect size d (Cohen's d: difference of means over
// the per-unit standard deviation) with nA and nB units per arm: with
// n = nA·nB/(nA+nB) and df = nA + nB − 2,
// power = P(T' > t_{1−α/2,df}) + P(T' < −t_{1−α/2,df}) where T' is noncentral
// t with df degrees of freedom and noncentrality d·√n (statsmodels'
// TTestIndPower). Unit counts may be fractional (for solving).
func TTestPower(d, nA, nB, alpha float64) (float64, Reason) {
	if !finite(d, nA, nB) || !validAlpha(alpha) || nA <= 1 || nB <= 1 || nA+nB <= 2 {
		return 0, ReasonInvalidInput
	}
	df := nA + nB - 2
	n := nA * nB / (nA + nB)
	crit := studentsT(df).Quantile(1 - alpha/2)
	nct := distuv.NoncentralT{Nu: df, Mu: d * math.Sqrt(n)}
	p := 1 - nct.CDF(crit) + nct.CDF(-crit)
	if !finite(p) {
		return 0, ReasonNonFinite
	}
	return math.Max(0, math.Min(1, p)), OK
}

// NormalPower returns the power of the two-sided z test at level alpha for
// standardised effect size h with nA and nB units per arm, counting both tails
// (statsmodels' NormalIndPower): with n = nA·nB/(nA+nB),
// power = Φ(−z + h√n) + Φ(−z − h√n), z = z_{1−α/2}.
func NormalPower(h, nA, nB, alpha float64) (float64, Reason) {
	if !finite(h, nA, nB) || !validAlpha(alpha) || nA <= 0 || nB <= 0 {
		return 0, ReasonInvalidInput
	}
	n := nA * nB / (nA + nB)
	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	s := h * math.Sqrt(n)
	return distuv.UnitNormal.CDF(s-z) + distuv.UnitNormal.CDF(-s-z), OK
}

// solveIncreasing returns x in [lo, hi] with f(x) = target for f increasing,
// by bisection; ok is false when target is outside [f(lo), f(hi)].
func solveIncreasing(f func(float64) float64, target, lo, hi float64) (float64, bool) {
	flo, fhi := f(lo), f(hi)
	if !finite(flo, fhi) || flo > target || fhi < target {
		return 0, false
	}
	for i := 0; i < 300 && hi-lo > 1e-13*math.Max(1, math.Abs(hi)); i++ {
		mid := lo + (hi-lo)/2
		if f(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2, true
}

// maxUnits bounds the sample sizes the solvers search.
const maxUnits = 1e12

// StreamsPerArm returns the (fractional) number of streams per arm at which
// the two-sided t test at level alpha detects standardised effect size d with
// the given power, equal arms (statsmodels' TTestIndPower.solve_power); round
// it up for a plan. It is at least 2; ReasonUnbounded means more than 10¹²
// streams would be needed.
func StreamsPerArm(d, alpha, power float64) (float64, Reason) {
	if !finite(d) || d == 0 || !validAlpha(alpha) || !validAlpha(power) {
		return 0, ReasonInvalidInput
	}
	d = math.Abs(d)
	f := func(n float64) float64 { p, _ := TTestPower(d, n, n, alpha); return p }
	if f(2) >= power {
		// A t test needs two streams per arm; a huge effect needs no more.
		return 2, OK
	}
	n, ok := solveIncreasing(f, power, 2, maxUnits)
	if !ok {
		// Not even maxUnits streams per arm would do.
		return 0, ReasonUnbounded
	}
	return n, OK
}

// MinimumEffectSize returns the smallest standardised effect size d that the
// two-sided t test at level alpha detects with the given power with nA and nB
// streams per arm.
func MinimumEffectSize(nA, nB, alpha, power float64) (float64, Reason) {
	if !validAlpha(alpha) || !validAlpha(power) {
		return 0, ReasonInvalidInput
	}
	if !finite(nA, nB) || nA < 2 || nB < 2 {
		return 0, ReasonTooFewStreams
	}
	f := func(d float64) float64 { p, _ := TTestPower(d, nA, nB, alpha); return p }
	d, ok := solveIncreasing(f, power, 0, 1e3)
	if !ok {
		return 0, ReasonNonFinite
	}
	return d, OK
}

// Plan is the power analysis of a ratio metric from the observed variance:
// the stream-level t design with baseline R_A and the per-stream standard
// deviation SD of the ratio (the delta-method √VarUnit, averaged over arms).
type Plan struct {
	// Baseline is the control value R_A; SD the per-stream standard deviation.
	Baseline, SD float64
	// TargetLift is the relative lift to detect (0.10 = +10 %);
	// EffectSize = |TargetLift|·Baseline/SD (Cohen's d).
	TargetLift, EffectSize float64
	// StreamsPerArm is the fractional number of streams per arm that detects
	// TargetLift with the requested power; StreamsPerArmCeil rounds it up.
	StreamsPerArm     float64
	StreamsPerArmCeil int
	// Power is the power to detect TargetLift with the current streams
	// (0 when the current streams are unknown).
	Power float64
	// MDE is the relative lift detectable with the requested power at the
	// current numbers of streams (0 when they are unknown).
	MDE float64
	// Reason is non-empty when the plan could not be computed.
	Reason Reason
}

// Design plans a stream-level experiment on a metric with control value
// baseline and per-stream standard deviation sd: the streams per arm to detect
// the relative lift targetLift at level alpha with the given power (section
// e's stream_level_t_design). When kA and kB are positive it also reports the
// power at those streams and the minimum detectable relative lift.
func Design(baseline, sd, targetLift, alpha, power float64, kA, kB int) Plan {
	if !finite(baseline, sd, targetLift) || sd < 0 || targetLift == 0 || !validAlpha(alpha) || !validAlpha(power) {
		return Plan{Reason: ReasonInvalidInput}
	}
	if baseline == 0 {
		return Plan{Reason: ReasonZeroBaseline}
	}
	if sd == 0 {
		return Plan{Reason: ReasonZeroVariance}
	}
	p := Plan{Baseline: baseline, SD: sd, TargetLift: targetLift}
	p.EffectSize = math.Abs(targetLift * baseline / sd)
	n, r := StreamsPerArm(p.EffectSize, alpha, power)
	if r != OK {
		return Plan{Reason: r}
	}
	p.StreamsPerArm = n
	p.StreamsPerArmCeil = int(math.Ceil(n - 1e-9))
	if kA > 0 || kB > 0 {
		if kA < 2 || kB < 2 {
			return Plan{Reason: ReasonTooFewStreams}
		}
		p.Power, _ = TTestPower(p.EffectSize, float64(kA), float64(kB), alpha)
		d, r := MinimumEffectSize(float64(kA), float64(kB), alpha, power)
		if r != OK {
			return Plan{Reason: r}
		}
		p.MDE = d * sd / math.Abs(baseline)
	}
	if !finite(p.EffectSize, p.StreamsPerArm, p.Power, p.MDE) {
		return Plan{Reason: ReasonNonFinite}
	}
	return p
}

// PlanRatio is Design for a ratio metric from the arms' sufficient
// statistics: baseline R_A, SD = √((VarUnit_A + VarUnit_B)/2), current streams
// K_A and K_B.
func PlanRatio(a, b RatioStat, targetLift, alpha, power float64) Plan {
	ra, rsnA := a.Arm()
	rb, rsnB := b.Arm()
	if r := firstReason(rsnA, rsnB); r != OK {
		return Plan{Reason: r}
	}
	sd := math.Sqrt((ra.VarUnit + rb.VarUnit) / 2)
	return Design(ra.R, sd, targetLift, alpha, power, ra.K, rb.K)
}

// ProportionSampleSize holds the per-arm sample sizes (fractional; round up)
// of a two-proportion test by the usual formulas, for baseline p1 and
// p2 = p1·(1 + relative MDE).
type ProportionSampleSize struct {
	// Fleiss is [z_{α/2}√(2p̄q̄) + z_β√(p1q1 + p2q2)]²/(p2 − p1)², p̄ = (p1+p2)/2.
	Fleiss float64
	// FleissCC adds the continuity correction n/4·(1 + √(1 + 4/(n|p2−p1|)))².
	FleissCC float64
	// Unpooled is (z_{α/2} + z_β)²(p1q1 + p2q2)/(p2 − p1)².
	Unpooled float64
	// H is Cohen's h = 2asin√p2 − 2asin√p1; CohensH solves NormalPower for
	// it (both tails); CohensHClosedForm is 2((z_{α/2} + z_β)/h)².
	H, CohensH, CohensHClosedForm float64
	// GrowthBook solves GrowthBookPower(n) = power.
	GrowthBook float64
	Reason     Reason
}

// ProportionSampleSizes returns the per-arm sample sizes of a two-proportion
// test with baseline p1 and relative MDE rel at level alpha and power.
func ProportionSampleSizes(p1, rel, alpha, power float64) ProportionSampleSize {
	p2 := p1 * (1 + rel)
	if !finite(p1, rel) || p1 <= 0 || p1 >= 1 || p2 <= 0 || p2 >= 1 || rel == 0 ||
		!validAlpha(alpha) || !validAlpha(power) {
		return ProportionSampleSize{Reason: ReasonInvalidInput}
	}
	za := distuv.UnitNormal.Quantile(1 - alpha/2)
	zb := distuv.UnitNormal.Quantile(power)
	q1, q2 := 1-p1, 1-p2
	pb := (p1 + p2) / 2
	delta := p2 - p1
	var s ProportionSampleSize
	f := za*math.Sqrt(2*pb*(1-pb)) + zb*math.Sqrt(p1*q1+p2*q2)
	s.Fleiss = f * f / (delta * delta)
	c := 1 + math.Sqrt(1+4/(s.Fleiss*math.Abs(delta)))
	s.FleissCC = s.Fleiss / 4 * c * c
	s.Unpooled = (za + zb) * (za + zb) * (p1*q1 + p2*q2) / (delta * delta)
	s.H = 2*math.Asin(math.Sqrt(p2)) - 2*math.Asin(math.Sqrt(p1))
	s.CohensHClosedForm = 2 * math.Pow((za+zb)/s.H, 2)
	var ok bool
	s.CohensH, ok = solveIncreasing(func(n float64) float64 {
		p, _ := NormalPower(math.Abs(s.H), n, n, alpha)
		return p
	}, power, 1e-6, maxUnits)
	if !ok {
		return ProportionSampleSize{Reason: ReasonNonFinite}
	}
	s.GrowthBook, ok = solveIncreasing(func(n float64) float64 {
		p, _ := GrowthBookPower(p1, rel, n, alpha)
		return p
	}, power, 1, maxUnits)
	if !ok {
		return ProportionSampleSize{Reason: ReasonNonFinite}
	}
	return s
}

// GrowthBookPower is GrowthBook's power for a relative effect rel on a
// proportion with baseline p1 and n units per arm (power.ts): variance
// v = p1(1−p1) in both arms, se² = v/(p1²n) + v·p2²/(p1⁴n),
// power = 1 − Φ(z − rel/se) + Φ(−z − rel/se).
func GrowthBookPower(p1, rel, n, alpha float64) (float64, Reason) {
	if !finite(p1, rel, n) || p1 <= 0 || p1 >= 1 || n <= 0 || !validAlpha(alpha) {
		return 0, ReasonInvalidInput
	}
	p2 := p1 * (1 + rel)
	v := p1 * (1 - p1)
	se := math.Sqrt(v/(p1*p1*n) + v*p2*p2/(p1*p1*p1*p1*n))
	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	return 1 - distuv.UnitNormal.CDF(z-rel/se) + distuv.UnitNormal.CDF(-z-rel/se), OK
}

// GrowthBookMDE is GrowthBook's minimum detectable relative effect for a
// proportion with baseline p1 and n units per arm (power.ts
// findMdeFrequentist, not sequential).
func GrowthBookMDE(p1, n, alpha, power float64) (float64, Reason) {
	if !finite(p1, n) || p1 <= 0 || p1 >= 1 || n <= 0 || !validAlpha(alpha) || !validAlpha(power) {
		return 0, ReasonInvalidInput
	}
	z := distuv.UnitNormal.Quantile(1-alpha/2) - distuv.UnitNormal.Quantile(1-power)
	m, v := p1, p1*(1-p1)
	s2 := v / n
	a := 1 - z*z*s2/(m*m)
	b := -2 * m
	c := m*m - z*z*s2
	disc := b*b - 4*a*c
	if a <= 0 || disc < 0 {
		return 0, ReasonUnbounded
	}
	return ((-b+math.Sqrt(disc))/(2*a) - m) / m, OK
}
