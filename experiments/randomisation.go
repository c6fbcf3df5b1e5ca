package experiments

import (
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Unit is one stream of a two-arm comparison on a ratio metric: its arm, its
// host, its numerator M and denominator D, and the host's numerator and
// denominator over its streams before the experiment started (PreD = 0: no
// history).
type Unit struct {
	Variant    bool // true: the variant (B), false: the control (A)
	Host       string
	M, D       float64
	PreM, PreD float64
}

// The methods Analyse can choose; experiment_results.method names them.
const (
	// MethodRandomisation is the studentised log ratio of the arm ratios
	// ΣM/ΣD with every re-assignment of the streams to arms.
	MethodRandomisation = "randomisation_log_ratio"
	// MethodBlocked compares within host: host fixed effects (conditional
	// Poisson) for the estimate, re-assignments within each host.
	MethodBlocked = "randomisation_log_ratio_host_blocked"
	// MethodCUPED divides each stream's denominator by what the host's
	// history predicts (a Poisson regression of M on the host's earlier
	// ratio, fitted with the arms pooled) before the studentised log ratio.
	MethodCUPED = "randomisation_log_ratio_cuped"
)

// AnalysisOptions tunes Analyse. The zero value (with Alpha) gives the
// defaults.
type AnalysisOptions struct {
	// Alpha is the level of the test and of the interval (1 − Alpha).
	Alpha float64
	// MaxExact is the largest number of distinct re-assignments enumerated
	// exactly (default 50 000); beyond it Analyse draws Samples at random.
	MaxExact int
	// Samples is the number of random re-assignments for the p-value;
	// default ⌈α(1−α)/0.0005²⌉ (190 000 at α = 0.05), so that the
	// Monte-Carlo standard error at p = α is at most 0.0005.
	Samples int
	// IntervalSamples is the number of random re-assignments for each
	// p-value evaluated while inverting the test into the interval
	// (default 10 000).
	IntervalSamples int
	// Seed seeds the random re-assignments (default 1): the same data give
	// the same p-value and interval, byte for byte.
	Seed uint64
	// NoBlocking and NoCUPED switch the host blocking and the covariate
	// adjustment off (for comparisons such as the calibration benchmark).
	NoBlocking, NoCUPED bool
	// NoInterval skips the inverted interval (CI stays zero).
	NoInterval bool
	// PlanBlocks says the units' Host fields are the blocks of a
	// pre-registered plan that assigned the arms at random within them:
	// the analysis is blocked on them whenever a block has streams in both
	// arms, without the thresholds that make Analyse choose blocking for
	// data whose assignment it does not know (the re-assignments are then
	// the plan's own randomisation).
	PlanBlocks bool
}

// Analysis is the randomisation analysis of one comparison.
type Analysis struct {
	// Method is one of the Method constants.
	Method string
	// Blocks is the number of hosts that streamed in both arms when Method
	// is MethodBlocked (the blocks the re-assignments stay within), else 0.
	Blocks int
	// StreamsUsed is the number of streams the estimate rests on (for a
	// blocked analysis: those of the hosts in both arms), ArmStreams the
	// control's and the variant's share of them.
	StreamsUsed int
	ArmStreams  [2]int
	// LogRatio is the estimated log of the multiplicative effect θ = R_B/R_A
	// (for MethodBlocked the host fixed-effects estimate, for MethodCUPED
	// the ratio of the covariate-adjusted ratios); Lift = e^LogRatio − 1.
	LogRatio, Lift float64
	// SE is the standard error of LogRatio (delta method; sandwich for the
	// blocked estimate) and Stat = LogRatio/SE, the studentised statistic.
	SE, Stat float64
	// DF is the Welch–Satterthwaite degrees of freedom of the log ratio
	// (blocked: streams used − blocks − 1).
	DF float64
	// P is the two-sided randomisation p-value: the share of re-assignments
	// whose |Stat| is at least the observed one (exact: count/total;
	// Monte-Carlo: (count+1)/(draws+1)).
	P float64
	// Exact is true when every re-assignment was enumerated; Assignments is
	// the number enumerated or drawn; MCSE is √(P(1−P)/draws) (0 when exact).
	Exact       bool
	Assignments int
	MCSE        float64
	// CI is the interval for the relative lift obtained by inverting the
	// test under the multiplicative null M_B = θ·M_A: the θ − 1 that the
	// test at level Alpha does not reject. It never goes below −100 %.
	// When the design cannot reject any θ on a side (too few
	// re-assignments), that side is open: Low = −1 (−100 %) or High = +Inf,
	// and CIReason is ReasonUnbounded.
	CI       Interval
	CIReason Reason
	// VarianceReduction is 1 − SE²(CUPED)/SE²(unadjusted) when Method is
	// MethodCUPED (negative when the covariate made it worse), else 0.
	VarianceReduction float64
	// Reason is non-empty when there is no result.
	Reason Reason
}

// design is the data of one analysis after the method was chosen: per
// stream its numerator, exposure (denominator, or the denominator times
// what the host's history predicts) and block; the observed assignment.
type design struct {
	m, e    []float64
	block   []int
	treated []bool
	blocks  [][]int // stream indexes per block
	armK    [2]int
}

// Analyse runs the randomisation analysis of the ratio metric ΣM/ΣD between
// the variant and the control streams of units. It picks the design:
//
//   - host-blocked when hosts that streamed in both arms hold at least half
//     of the streams and give at least max(20, 4/α) distinct re-assignments
//     within host, so that the test can reach p ≤ α/2 (the streams of the
//     other hosts are left out of the estimate);
//   - else CUPED when at least half the streams have host history and the
//     history varies between hosts (a stream of a host without history gets
//     the pooled history);
//   - else the plain studentised log ratio.
func Analyse(units []Unit, opt AnalysisOptions) Analysis {
	if !validAlpha(opt.Alpha) {
		return Analysis{Reason: ReasonInvalidInput}
	}
	if opt.MaxExact <= 0 {
		opt.MaxExact = 50000
	}
	if opt.Samples <= 0 {
		opt.Samples = int(math.Ceil(opt.Alpha * (1 - opt.Alpha) / (0.0005 * 0.0005)))
	}
	if opt.IntervalSamples <= 0 {
		opt.IntervalSamples = 10000
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	var kA, kB int
	var sumA, sumB, mA, mB float64
	for _, u := range units {
		if !finite(u.M, u.D, u.PreM, u.PreD) || u.D < 0 || u.M < 0 || u.PreM < 0 || u.PreD < 0 {
			return Analysis{Reason: ReasonInvalidInput}
		}
		if u.Variant {
			kB++
			sumB += u.D
			mB += u.M
		} else {
			kA++
			sumA += u.D
			mA += u.M
		}
	}
	if kA < 2 || kB < 2 {
		return Analysis{Reason: ReasonTooFewStreams}
	}
	if sumA == 0 || sumB == 0 {
		return Analysis{Reason: ReasonZeroDenominator}
	}
	if mA == 0 {
		return Analysis{Reason: ReasonZeroBaseline}
	}
	if mB == 0 {
		return Analysis{Reason: ReasonZeroNumerator}
	}

	d, method := plain(units), MethodRandomisation
	res := Analysis{}
	if !opt.NoBlocking {
		if b, ok := blocked(units, opt.Alpha, opt.PlanBlocks); ok {
			d, method = b, MethodBlocked
			res.Blocks = len(b.blocks)
		}
	}
	if method == MethodRandomisation && !opt.NoCUPED {
		if c, ok := cuped(units); ok {
			d, method = c, MethodCUPED
		}
	}
	res.Method = method
	res.StreamsUsed = len(d.m)
	res.ArmStreams = d.armK
	obs := d.stat(d.m, d.treated)
	if !obs.ok {
		return Analysis{Reason: ReasonZeroVariance}
	}
	if obs.se == 0 || math.IsInf(obs.t, 0) {
		// An arm without any numerator or streams all on one line: the
		// statistic has no spread to studentise by.
		return Analysis{Reason: ReasonZeroVariance}
	}
	res.LogRatio, res.SE, res.Stat = obs.beta, obs.se, obs.t
	res.Lift = math.Expm1(obs.beta)
	res.DF = d.df(obs.beta)
	if method == MethodCUPED {
		if u := plain(units).stat(nil, nil); u.ok && u.se > 0 {
			res.VarianceReduction = 1 - obs.se*obs.se/(u.se*u.se)
		}
	}
	pr := d.pValue(d.m, math.Abs(obs.t), opt.MaxExact, opt.Samples, opt.Seed)
	res.P, res.Exact, res.Assignments, res.MCSE = pr.p, pr.exact, pr.total, pr.mcse
	if !opt.NoInterval {
		res.CI, res.CIReason = d.invert(obs, opt)
	}
	if !finite(res.LogRatio, res.Lift, res.SE, res.Stat, res.DF, res.P, res.CI.Low, res.VarianceReduction) ||
		math.IsNaN(res.CI.High) || math.IsInf(res.CI.High, -1) {
		return Analysis{Reason: ReasonNonFinite}
	}
	return res
}

// plain is the unblocked design on the raw denominators: one block.
func plain(units []Unit) *design {
	d := &design{}
	all := make([]int, len(units))
	for i, u := range units {
		all[i] = i
		d.m = append(d.m, u.M)
		d.e = append(d.e, u.D)
		d.block = append(d.block, 0)
		d.treated = append(d.treated, u.Variant)
		d.armK[b2i(u.Variant)]++
	}
	d.blocks = [][]int{all}
	return d
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// blocked returns the host-blocked design when it applies (see Analyse;
// planned: the hosts are a plan's blocks, see AnalysisOptions.PlanBlocks).
func blocked(units []Unit, alpha float64, planned bool) (*design, bool) {
	type cell struct{ a, b int }
	hosts := map[string]*cell{}
	for _, u := range units {
		if u.Host == "" {
			continue
		}
		c := hosts[u.Host]
		if c == nil {
			c = &cell{}
			hosts[u.Host] = c
		}
		if u.Variant {
			c.b++
		} else {
			c.a++
		}
	}
	var names []string
	used := 0
	assignments := 1.0
	for h, c := range hosts {
		if c.a > 0 && c.b > 0 {
			names = append(names, h)
			used += c.a + c.b
			assignments *= binom(c.a+c.b, c.b)
		}
	}
	// One host holding every stream is the unblocked design.
	if len(names) == 0 || (len(names) == 1 && used == len(units)) {
		return nil, false
	}
	if !planned && (2*used < len(units) || assignments < math.Max(20, 4/alpha)) {
		return nil, false
	}
	sort.Strings(names)
	index := map[string]int{}
	for i, h := range names {
		index[h] = i
	}
	d := &design{blocks: make([][]int, len(names))}
	for _, u := range units {
		bi, ok := index[u.Host]
		if !ok {
			continue
		}
		i := len(d.m)
		d.m = append(d.m, u.M)
		d.e = append(d.e, u.D)
		d.block = append(d.block, bi)
		d.treated = append(d.treated, u.Variant)
		d.blocks[bi] = append(d.blocks[bi], i)
		d.armK[b2i(u.Variant)]++
	}
	// Each host's streams need a denominator in both arms for its
	// within-host comparison.
	for _, idx := range d.blocks {
		var ea, eb float64
		for _, i := range idx {
			if d.treated[i] {
				eb += d.e[i]
			} else {
				ea += d.e[i]
			}
		}
		if ea == 0 || eb == 0 {
			return nil, false
		}
	}
	return d, true
}

// binom returns C(n, k) as a float.
func binom(n, k int) float64 {
	if k < 0 || k > n {
		return 0
	}
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return math.Round(r)
}

// cuped returns the covariate-adjusted design when it applies: each
// stream's exposure is D·exp(a + γ·z), z the log of its host's earlier ratio
// and (a, γ) the Poisson regression of M on z with offset log D, fitted with
// the arms pooled (so the exposure does not depend on the assignment and the
// re-assignments stay exact, Rosenbaum 2002).
func cuped(units []Unit) (*design, bool) {
	var withPre int
	var preM, preD float64
	for _, u := range units {
		if u.PreD > 0 {
			withPre++
			preM += u.PreM
			preD += u.PreD
		}
	}
	if 2*withPre < len(units) || preM <= 0 {
		return nil, false
	}
	pooled := preM / preD
	z := make([]float64, len(units))
	m := make([]float64, len(units))
	e := make([]float64, len(units))
	zmin, zmax := math.Inf(1), math.Inf(-1)
	for i, u := range units {
		r := pooled
		if u.PreD > 0 {
			// Half a stream's worth of the pooled ratio keeps a host with no
			// earlier revenue off log 0.
			r = (u.PreM + 0.5*pooled*u.PreD/float64(withPre)) / (u.PreD + 0.5*u.PreD/float64(withPre))
		}
		z[i] = math.Log(r / pooled)
		zmin, zmax = math.Min(zmin, z[i]), math.Max(zmax, z[i])
		m[i], e[i] = u.M, u.D
	}
	if zmax-zmin < 1e-9 {
		return nil, false
	}
	a, g, ok := poissonFit(m, e, z)
	if !ok {
		return nil, false
	}
	d := plain(units)
	for i := range d.e {
		d.e[i] = e[i] * math.Exp(a+g*z[i])
	}
	return d, true
}

// poissonFit fits E[m] = e·exp(a + g·z) by Newton–Raphson (the Poisson
// quasi-likelihood score equations).
func poissonFit(m, e, z []float64) (a, g float64, ok bool) {
	var sm, se float64
	for i := range m {
		sm += m[i]
		se += e[i]
	}
	if sm <= 0 || se <= 0 {
		return 0, 0, false
	}
	a = math.Log(sm / se)
	for iter := 0; iter < 100; iter++ {
		var s0, s1, h00, h01, h11 float64
		for i := range m {
			mu := e[i] * math.Exp(a+g*z[i])
			r := m[i] - mu
			s0 += r
			s1 += r * z[i]
			h00 += mu
			h01 += mu * z[i]
			h11 += mu * z[i] * z[i]
		}
		det := h00*h11 - h01*h01
		if !(det > 0) || !finite(det) {
			return 0, 0, false
		}
		da := (h11*s0 - h01*s1) / det
		dg := (h00*s1 - h01*s0) / det
		// Damp large steps so a flat likelihood does not overshoot.
		if s := math.Max(math.Abs(da), math.Abs(dg)); s > 2 {
			da, dg = 2*da/s, 2*dg/s
		}
		a, g = a+da, g+dg
		if math.Abs(da) < 1e-12 && math.Abs(dg) < 1e-12 {
			return a, g, finite(a, g)
		}
	}
	return a, g, finite(a, g)
}

// statValue is the statistic for one assignment.
type statValue struct {
	beta, se, t float64
	ok          bool
}

// stat computes the studentised log ratio for numerators m (nil: d.m) and
// assignment tr (nil: d.treated): the conditional Poisson (host fixed
// effects) estimate of log θ with its sandwich standard error. With one
// block it is log(R_B/R_A) with the delta-method variance
// VarR_B/R_B² + VarR_A/R_A² exactly.
func (d *design) stat(m []float64, tr []bool) statValue {
	if m == nil {
		m = d.m
	}
	if tr == nil {
		tr = d.treated
	}
	nb := len(d.blocks)
	if nb == 1 {
		var a, b armSums
		for i := range m {
			x := &a
			if tr[i] {
				x = &b
			}
			x.add(m[i], d.e[i])
		}
		return sumsT(a, b, float64(d.armK[0]), float64(d.armK[1]))
	}
	sa, sb := make([]armSums, nb), make([]armSums, nb)
	for i := range m {
		if tr[i] {
			sb[d.block[i]].add(m[i], d.e[i])
		} else {
			sa[d.block[i]].add(m[i], d.e[i])
		}
	}
	return blockedT(sa, sb, float64(d.armK[0]), float64(d.armK[1]))
}

// blockedT is the statistic from each block's arm sums: the conditional
// Poisson (host fixed effects) estimate of log θ and its sandwich variance
// (Σ c·u²)/I², u = (m − e·μ_h·θ^B)·(B − π_h), c = k/(k−1) of the stream's
// arm, written with the sums of m, e, m², e², m·e of each block and arm.
func blockedT(sa, sb []armSums, ka, kb float64) statValue {
	nb := len(sa)
	var totA, totB float64
	var stack [4 * 16]float64
	buf := stack[:]
	if nb > 16 {
		buf = make([]float64, 4*nb)
	}
	mAh, mBh, eAh, eBh := buf[:nb], buf[nb:2*nb], buf[2*nb:3*nb], buf[3*nb:4*nb]
	for h := range sa {
		mAh[h], eAh[h], mBh[h], eBh[h] = sa[h].m, sa[h].e, sb[h].m, sb[h].e
		totA += sa[h].m
		totB += sb[h].m
	}
	switch {
	case totA == 0 && totB == 0:
		return statValue{ok: false}
	case totA == 0:
		return statValue{beta: math.Inf(1), t: math.Inf(1), ok: true}
	case totB == 0:
		return statValue{beta: math.Inf(-1), t: math.Inf(-1), ok: true}
	}
	beta, ok := fixedEffects(mAh, mBh, eAh, eBh)
	if !ok {
		return statValue{}
	}
	theta := math.Exp(beta)
	var info, va, vb float64
	for h := 0; h < nb; h++ {
		mh := mAh[h] + mBh[h]
		den := eAh[h] + theta*eBh[h]
		pi := theta * eBh[h] / den
		mu := mh / den
		info += mh * pi * (1 - pi)
		a, b := sa[h], sb[h]
		ssA := math.Max(0, a.m2-2*mu*a.me+mu*mu*a.e2)
		ssB := math.Max(0, b.m2-2*mu*theta*b.me+mu*mu*theta*theta*b.e2)
		va += pi * pi * ssA
		vb += (1 - pi) * (1 - pi) * ssB
	}
	v := (va*ka/(ka-1) + vb*kb/(kb-1)) / (info * info)
	if !(v >= 0) || !finite(v) {
		return statValue{}
	}
	// rounding residue of a perfect fit
	if v < 1e-24*(1+beta*beta) {
		v = 0
	}
	se := math.Sqrt(v)
	if se == 0 {
		t := 0.0
		if beta != 0 {
			t = math.Copysign(math.Inf(1), beta)
		}
		return statValue{beta: beta, se: 0, t: t, ok: true}
	}
	return statValue{beta: beta, se: se, t: beta / se, ok: true}
}

// armSums are one arm's Σm, Σe, Σm², Σe², Σm·e.
type armSums struct {
	m, e, m2, e2, me float64
}

func (s *armSums) add(m, e float64) {
	s.m += m
	s.e += e
	s.m2 += m * m
	s.e2 += e * e
	s.me += m * e
}

func (s armSums) minus(o armSums) armSums {
	return armSums{s.m - o.m, s.e - o.e, s.m2 - o.m2, s.e2 - o.e2, s.me - o.me}
}

// sumsT is the one-block statistic from the arms' sums: log(R_B/R_A) over
// √(SS_A·k_A/(k_A−1)/M_A² + SS_B·k_B/(k_B−1)/M_B²), SS = Σ(m − R·e)² =
// Σm² − 2RΣme + R²Σe² (the sandwich of stat with one block, exactly).
func sumsT(a, b armSums, ka, kb float64) statValue {
	switch {
	case a.m <= 0 && b.m <= 0:
		return statValue{ok: false}
	case a.m <= 0:
		return statValue{beta: math.Inf(1), t: math.Inf(1), ok: true}
	case b.m <= 0:
		return statValue{beta: math.Inf(-1), t: math.Inf(-1), ok: true}
	}
	if a.e <= 0 || b.e <= 0 {
		return statValue{}
	}
	ra, rb := a.m/a.e, b.m/b.e
	beta := math.Log(rb / ra)
	ssA := math.Max(0, a.m2-2*ra*a.me+ra*ra*a.e2)
	ssB := math.Max(0, b.m2-2*rb*b.me+rb*rb*b.e2)
	// what is left of the cancellation is rounding when tiny against Σm²
	if ssA <= 1e-12*a.m2 {
		ssA = 0
	}
	if ssB <= 1e-12*b.m2 {
		ssB = 0
	}
	v := ssA*ka/(ka-1)/(a.m*a.m) + ssB*kb/(kb-1)/(b.m*b.m)
	if !finite(v, beta) {
		return statValue{}
	}
	if v == 0 {
		t := 0.0
		if beta != 0 {
			t = math.Copysign(math.Inf(1), beta)
		}
		return statValue{beta: beta, t: t, ok: true}
	}
	se := math.Sqrt(v)
	return statValue{beta: beta, se: se, t: beta / se, ok: true}
}

// fixedEffects solves the conditional Poisson score equation
// Σ_h M_hB = Σ_h M_h·π_h(β), π_h = e^β E_hB/(E_hA + e^β E_hB), for β by
// safeguarded Newton steps. Hosts with no numerator contribute nothing.
func fixedEffects(mA, mB, eA, eB []float64) (float64, bool) {
	g := func(beta float64) (float64, float64) {
		th := math.Exp(beta)
		var f, df float64
		for h := range mA {
			mh := mA[h] + mB[h]
			if mh == 0 {
				continue
			}
			pi := th * eB[h] / (eA[h] + th*eB[h])
			f += mB[h] - mh*pi
			df -= mh * pi * (1 - pi)
		}
		return f, df
	}
	var sa, sb, ea, eb float64
	for h := range mA {
		if mA[h]+mB[h] == 0 {
			continue
		}
		sa += mA[h]
		sb += mB[h]
		ea += eA[h]
		eb += eB[h]
	}
	if sa == 0 || sb == 0 {
		return 0, false
	}
	// g is decreasing in β; bracket the root.
	beta := math.Log(sb/eb) - math.Log(sa/ea)
	lo, hi := beta-1, beta+1
	for i := 0; i < 60; i++ {
		if f, _ := g(lo); f < 0 {
			lo -= 2 * float64(i+1)
			continue
		}
		break
	}
	for i := 0; i < 60; i++ {
		if f, _ := g(hi); f > 0 {
			hi += 2 * float64(i+1)
			continue
		}
		break
	}
	if f, _ := g(lo); f < 0 {
		return 0, false
	}
	if f, _ := g(hi); f > 0 {
		return 0, false
	}
	if beta < lo || beta > hi {
		beta = (lo + hi) / 2
	}
	for iter := 0; iter < 200; iter++ {
		f, df := g(beta)
		if f == 0 {
			return beta, true
		}
		if f > 0 {
			lo = beta
		} else {
			hi = beta
		}
		next := beta - f/df
		if !(next > lo && next < hi) || df == 0 {
			next = (lo + hi) / 2
		}
		if math.Abs(next-beta) < 1e-13*math.Max(1, math.Abs(beta)) {
			return next, true
		}
		beta = next
	}
	return beta, true
}

// df returns the Welch–Satterthwaite degrees of freedom of the log ratio
// for one block (from each arm's share of the variance), else the streams
// used less the blocks and the effect.
func (d *design) df(beta float64) float64 {
	if len(d.blocks) > 1 {
		return math.Max(1, float64(len(d.m)-len(d.blocks)-1))
	}
	var mA, mB, eA, eB float64
	for i := range d.m {
		if d.treated[i] {
			mB += d.m[i]
			eB += d.e[i]
		} else {
			mA += d.m[i]
			eA += d.e[i]
		}
	}
	rA, rB := mA/eA, mB/eB
	var ssA, ssB float64
	for i := range d.m {
		if d.treated[i] {
			r := d.m[i] - rB*d.e[i]
			ssB += r * r
		} else {
			r := d.m[i] - rA*d.e[i]
			ssA += r * r
		}
	}
	ka, kb := float64(d.armK[0]), float64(d.armK[1])
	a := ssA * ka / (ka - 1) / (mA * mA)
	b := ssB * kb / (kb - 1) / (mB * mB)
	if a+b == 0 {
		return ka + kb - 2
	}
	return (a + b) * (a + b) / (a*a/(ka-1) + b*b/(kb-1))
}

// pResult is a randomisation p-value.
type pResult struct {
	p     float64
	exact bool
	total int
	mcse  float64
}

// assignments returns the number of distinct re-assignments (within
// blocks).
func (d *design) assignments() float64 {
	n := 1.0
	for _, idx := range d.blocks {
		k := 0
		for _, i := range idx {
			if d.treated[i] {
				k++
			}
		}
		n *= binom(len(idx), k)
	}
	return n
}

// pValue is the share of re-assignments whose |statistic| on numerators m
// is at least obs.
func (d *design) pValue(m []float64, obs float64, maxExact, samples int, seed uint64) pResult {
	// Statistics equal up to rounding (10⁻⁶ relative: far out in the interval
	// search a mirrored assignment differs from the observed one only there)
	// count as ties.
	thr := obs - 1e-6*math.Max(1, obs)
	if math.IsInf(obs, 1) {
		thr = math.Inf(1)
	}
	count, total := 0, 0
	tr := make([]bool, len(d.m))
	test := func() {
		s := d.stat(m, tr)
		total++
		if !s.ok {
			// No statistic (the fixed-effects equation has no root): count
			// it as extreme, which can only make the p-value larger.
			count++
			return
		}
		if math.Abs(s.t) >= thr {
			count++
		}
	}
	if d.assignments() <= float64(maxExact) {
		d.enumerate(tr, test)
		if total == 0 {
			return pResult{p: 1, exact: true}
		}
		return pResult{p: float64(count) / float64(total), exact: true, total: total}
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	if len(d.blocks) == 1 {
		// One block: draw the variant's k_B streams by a partial
		// Fisher–Yates shuffle and take the control's sums as the rest.
		var tot armSums
		for i := range m {
			tot.add(m[i], d.e[i])
		}
		n, kb := len(m), d.armK[1]
		ka := float64(d.armK[0])
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		for s := 0; s < samples; s++ {
			var b armSums
			for j := 0; j < kb; j++ {
				k := j + rng.IntN(n-j)
				idx[j], idx[k] = idx[k], idx[j]
				b.add(m[idx[j]], d.e[idx[j]])
			}
			st := sumsT(tot.minus(b), b, ka, float64(kb))
			total++
			if !st.ok || math.Abs(st.t) >= thr {
				count++
			}
		}
		p := float64(count+1) / float64(total+1)
		return pResult{p: p, total: total, mcse: math.Sqrt(p * (1 - p) / float64(total+1))}
	}
	// Blocks: in each, draw its variant streams by a partial Fisher–Yates
	// shuffle; the block's control sums are the rest.
	nb := len(d.blocks)
	tot := make([]armSums, nb)
	kbh := make([]int, nb)
	idx := make([][]int, nb)
	for h, ii := range d.blocks {
		idx[h] = append([]int(nil), ii...)
		for _, i := range ii {
			tot[h].add(m[i], d.e[i])
			if d.treated[i] {
				kbh[h]++
			}
		}
	}
	sa, sb := make([]armSums, nb), make([]armSums, nb)
	ka, kb := float64(d.armK[0]), float64(d.armK[1])
	for s := 0; s < samples; s++ {
		for h, ii := range idx {
			var b armSums
			n := len(ii)
			for j := 0; j < kbh[h]; j++ {
				k := j + rng.IntN(n-j)
				ii[j], ii[k] = ii[k], ii[j]
				b.add(m[ii[j]], d.e[ii[j]])
			}
			sb[h], sa[h] = b, tot[h].minus(b)
		}
		st := blockedT(sa, sb, ka, kb)
		total++
		if !st.ok || math.Abs(st.t) >= thr {
			count++
		}
	}
	p := float64(count+1) / float64(total+1)
	return pResult{p: p, total: total, mcse: math.Sqrt(p * (1 - p) / float64(total+1))}
}

// enumerate calls visit once for every re-assignment within blocks, with tr
// set to it.
func (d *design) enumerate(tr []bool, visit func()) {
	// every block's combinations as bit masks over its streams
	combos := make([][]uint64, len(d.blocks))
	for b, idx := range d.blocks {
		n, k := len(idx), 0
		for _, i := range idx {
			if d.treated[i] {
				k++
			}
		}
		if n > 62 {
			return
		}
		last := uint64(1)<<uint(n) - 1
		for mask := uint64(1)<<uint(k) - 1; ; {
			combos[b] = append(combos[b], mask)
			if mask == 0 {
				break
			}
			c := mask & -mask
			r := mask + c
			if r > last || r == 0 {
				break
			}
			mask = (((r ^ mask) >> 2) / c) | r
			if mask > last {
				break
			}
		}
	}
	pos := make([]int, len(d.blocks))
	set := func(b int) {
		mask := combos[b][pos[b]]
		for j, i := range d.blocks[b] {
			tr[i] = mask&(1<<uint(j)) != 0
		}
	}
	for b := range d.blocks {
		set(b)
	}
	for {
		visit()
		b := 0
		for ; b < len(d.blocks); b++ {
			pos[b]++
			if pos[b] < len(combos[b]) {
				set(b)
				break
			}
			pos[b] = 0
			set(b)
		}
		if b == len(d.blocks) {
			return
		}
	}
}

// invert returns the interval for θ − 1: the θ whose multiplicative sharp
// null (variant numerators divided by θ) the randomisation test does not
// reject at level alpha. It searches log θ by bisection from the estimate
// outwards; the p-values use IntervalSamples draws (or exact enumeration).
func (d *design) invert(obs statValue, opt AnalysisOptions) (Interval, Reason) {
	adj := make([]float64, len(d.m))
	pAt := func(beta float64) float64 {
		th := math.Exp(beta)
		for i := range d.m {
			adj[i] = d.m[i]
			if d.treated[i] {
				adj[i] /= th
			}
		}
		s := d.stat(adj, nil)
		if !s.ok {
			return 1
		}
		return d.pValue(adj, math.Abs(s.t), opt.MaxExact, opt.IntervalSamples, opt.Seed).p
	}
	// Critical value of a t on the design's df gives the starting width.
	df := d.df(obs.beta)
	tc := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: math.Max(df, 1)}.Quantile(1 - opt.Alpha/2)
	// Beyond |log θ − estimate| = 20 (a factor of 5·10⁸) the bound is
	// taken as infinite: the design cannot reject any θ on that side.
	const far = 20.0
	bound := func(dir float64) (float64, bool) {
		inside := obs.beta
		step := math.Max(tc*obs.se, 1e-3)
		outside := obs.beta + dir*step
		for pAt(outside) > opt.Alpha {
			if step >= far {
				return 0, false
			}
			inside = outside
			step = math.Min(2*step, far)
			outside = obs.beta + dir*step
		}
		for i := 0; i < 60 && math.Abs(outside-inside) > 1e-9; i++ {
			mid := (inside + outside) / 2
			if pAt(mid) > opt.Alpha {
				inside = mid
			} else {
				outside = mid
			}
		}
		return (inside + outside) / 2, true
	}
	lo, okL := bound(-1)
	hi, okH := bound(1)
	iv := Interval{Low: -1, High: math.Inf(1)}
	if okL {
		iv.Low = math.Expm1(lo)
	}
	if okH {
		iv.High = math.Expm1(hi)
	}
	if !okL || !okH {
		return iv, ReasonUnbounded
	}
	return iv, OK
}

// LogPlan is the power analysis of the analysis actually run: a two-sided
// t test of the log ratio at level alpha, whose standard error with n
// streams per arm is s·√(2/n), s² = SE²/(1/k_A + 1/k_B) the per-stream
// variance the analysis observed (after blocking or CUPED), on
// DF·(2n − 2)/(k_A + k_B − 2) degrees of freedom.
type LogPlan struct {
	// Power is the power to detect TargetLift with the current streams.
	Power float64
	// MDE is the smallest relative lift (upwards) detected with the target
	// power at the current streams.
	MDE float64
	// StreamsNeeded is the streams per arm that detect TargetLift with the
	// target power; StreamsLow and StreamsHigh the same with s² at the ends
	// of its 1 − alpha chi-square interval on DF degrees of freedom (s² rests
	// on few streams, so the plan is a range).
	StreamsNeeded, StreamsLow, StreamsHigh int
	Reason                                 Reason
}

// PlanLog plans from an analysis with kA and kB streams (those the
// estimate used).
func PlanLog(a Analysis, kA, kB int, targetLift, alpha, power float64) LogPlan {
	if a.Reason != OK {
		return LogPlan{Reason: a.Reason}
	}
	if !validAlpha(alpha) || !validAlpha(power) || !finite(targetLift) || targetLift <= -1 || targetLift == 0 {
		return LogPlan{Reason: ReasonInvalidInput}
	}
	if kA < 2 || kB < 2 {
		return LogPlan{Reason: ReasonTooFewStreams}
	}
	s2 := a.SE * a.SE / (1/float64(kA) + 1/float64(kB))
	if !(s2 > 0) {
		return LogPlan{Reason: ReasonZeroVariance}
	}
	scale := a.DF / float64(kA+kB-2)
	delta := math.Abs(math.Log1p(targetLift))
	powerAt := func(s2, n1, n2, d float64) float64 {
		se := math.Sqrt(s2 * (1/n1 + 1/n2))
		df := math.Max(1, scale*(n1+n2-2))
		crit := studentsT(df).Quantile(1 - alpha/2)
		nct := distuv.NoncentralT{Nu: df, Mu: d / se}
		return math.Max(0, math.Min(1, 1-nct.CDF(crit)+nct.CDF(-crit)))
	}
	need := func(s2 float64) (int, bool) {
		f := func(n float64) float64 { return powerAt(s2, n, n, delta) }
		if f(2) >= power {
			return 2, true
		}
		n, ok := solveIncreasing(f, power, 2, 1e9)
		if !ok {
			return 0, false
		}
		return int(math.Ceil(n - 1e-9)), true
	}
	p := LogPlan{Power: powerAt(s2, float64(kA), float64(kB), delta)}
	d, ok := solveIncreasing(func(d float64) float64 { return powerAt(s2, float64(kA), float64(kB), d) }, power, 0, 50)
	if !ok {
		return LogPlan{Reason: ReasonUnbounded}
	}
	p.MDE = math.Expm1(d)
	var ok1, ok2, ok3 bool
	p.StreamsNeeded, ok1 = need(s2)
	nu := math.Max(a.DF, 1)
	chi := distuv.ChiSquared{K: nu}
	p.StreamsLow, ok2 = need(s2 * nu / chi.Quantile(1-alpha/2))
	p.StreamsHigh, ok3 = need(s2 * nu / chi.Quantile(alpha/2))
	if !ok1 || !ok2 || !ok3 {
		return LogPlan{Reason: ReasonUnbounded}
	}
	if !finite(p.Power, p.MDE) {
		return LogPlan{Reason: ReasonNonFinite}
	}
	return p
}
