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
	// ExactP is the exact two-sided binomial p-value for two arms (scipy's
	// binomtest: the probability of every count no more likely than the
	// observed one). HasExact is false for more than two arms.
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
