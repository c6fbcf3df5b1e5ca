package experiments

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// SRMResult is a sample-ratio-mismatch check: did the arms get the number of
// streams the design planned?
type SRMResult struct {
	// Expected is each arm's expected count w_i/Σw·ΣO.
	Expected []float64
	// Chi2 is Σ(O_i − E_i)²/E_i with DF = arms − 1 degrees of freedom, and P
	// its chi-square p-value. With stream counts (tens) the approximation is
	// poor; prefer ExactP.
	Chi2 float64
	DF   int
	P    float64
	// ExactP is the exact p-value: for two arms the two-sided binomial
	// (scipy's binomtest: the probability of every count no more likely than
	// the observed one), for more arms the exact multinomial test (the total
	// probability of every split of the streams no more likely than the
	// observed one). HasExact is false when there are too many splits to
	// enumerate (more than 10⁷); use P then.
	ExactP   float64
	HasExact bool
	// Reason is non-empty when the check could not be run.
	Reason Reason
}

// SRM checks observed counts per arm against planned weights (any positive
// scale: 1:1, 0.5/0.5, 3:1).
func SRM(observed []int, weights []float64) SRMResult {
	if len(observed) < 2 || len(observed) != len(weights) {
		return SRMResult{Reason: ReasonInvalidInput}
	}
	var tot, wsum float64
	for i, o := range observed {
		if o < 0 || !finite(weights[i]) || weights[i] <= 0 {
			return SRMResult{Reason: ReasonInvalidInput}
		}
		tot += float64(o)
		wsum += weights[i]
	}
	if tot == 0 {
		return SRMResult{Reason: ReasonNoTrials}
	}
	res := SRMResult{Expected: make([]float64, len(observed)), DF: len(observed) - 1}
	for i, o := range observed {
		e := weights[i] / wsum * tot
		res.Expected[i] = e
		d := float64(o) - e
		res.Chi2 += d * d / e
	}
	res.P = distuv.ChiSquared{K: float64(res.DF)}.Survival(res.Chi2)
	if len(observed) == 2 {
		res.ExactP, _ = BinomialTwoSided(observed[0], observed[0]+observed[1], weights[0]/wsum)
		res.HasExact = true
	} else if p, ok := MultinomialExact(observed, weights); ok {
		res.ExactP, res.HasExact = p, true
	}
	if !finite(res.Chi2, res.P, res.ExactP) {
		return SRMResult{Reason: ReasonNonFinite}
	}
	return res
}

// BinomialTwoSided returns the exact two-sided binomial test p-value of k
// successes in n trials with success probability p, as scipy.stats.binomtest
// computes it: the total probability of the outcomes whose probability is at
// most that of k (with a relative tolerance of 1e-7).
func BinomialTwoSided(k, n int, p float64) (float64, Reason) {
	if n <= 0 || k < 0 || k > n || !validAlpha(p) {
		return 0, ReasonInvalidInput
	}
	bin := distuv.Binomial{N: float64(n), P: p}
	// upper(x) = P(X ≥ x), by symmetry from the lower tail of the
	// complementary binomial so that a tiny tail keeps its precision.
	upper := func(x int) float64 {
		if x <= 0 {
			return 1
		}
		return distuv.Binomial{N: float64(n), P: 1 - p}.CDF(float64(n - x))
	}
	pmf := func(x int) float64 { return bin.Prob(float64(x)) }
	d := pmf(k) * (1 + 1e-7)
	mean := p * float64(n)
	var pv float64
	switch {
	case float64(k) == mean:
		return 1, OK
	case float64(k) < mean:
		// The first x ≥ ceil(mean) with pmf(x) ≤ d; the pmf falls from the mode.
		lo, hi := int(math.Ceil(mean)), n
		if pmf(hi) > d {
			pv = bin.CDF(float64(k))
			break
		}
		for lo < hi {
			mid := (lo + hi) / 2
			if pmf(mid) <= d {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		pv = bin.CDF(float64(k)) + upper(lo)
	default:
		// The last x ≤ floor(mean) with pmf(x) ≤ d; the pmf rises to the mode.
		lo, hi := 0, int(math.Floor(mean))
		if pmf(lo) > d {
			pv = upper(k)
			break
		}
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if pmf(mid) <= d {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		pv = bin.CDF(float64(lo)) + upper(k)
	}
	if !finite(pv) {
		return 0, ReasonNonFinite
	}
	return math.Min(1, pv), OK
}

// MultinomialExact returns the exact multinomial goodness-of-fit p-value of
// counts against weights: the total probability of every way to split the
// same number of units that is no more likely than the observed split (a
// relative tolerance of 1e-7 counts near-equal probabilities as equal). ok
// is false when more than 10⁷ splits would be enumerated.
func MultinomialExact(counts []int, weights []float64) (float64, bool) {
	k := len(counts)
	n := 0
	var wsum float64
	for i, c := range counts {
		if c < 0 || !(weights[i] > 0) {
			return 0, false
		}
		n += c
		wsum += weights[i]
	}
	if k < 2 || binom(n+k-1, k-1) > 1e7 {
		return 0, false
	}
	logp := make([]float64, k)
	for i := range weights {
		logp[i] = math.Log(weights[i] / wsum)
	}
	lgam := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	logProb := func(x []int) float64 {
		l := lgam(n)
		for i, c := range x {
			l += float64(c)*logp[i] - lgam(c)
		}
		return l
	}
	obs := logProb(counts)
	thr := obs + math.Log1p(1e-7)
	x := make([]int, k)
	var total float64
	var rec func(i, left int)
	rec = func(i, left int) {
		if i == k-1 {
			x[i] = left
			if l := logProb(x); l <= thr {
				total += math.Exp(l)
			}
			return
		}
		for c := 0; c <= left; c++ {
			x[i] = c
			rec(i+1, left-c)
		}
	}
	rec(0, n)
	return math.Min(1, total), true
}
