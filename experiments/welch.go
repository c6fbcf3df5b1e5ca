package experiments

import "math"

// MeanStat holds the sufficient statistics of one arm for a metric that is
// averaged over units (streams): N units, the sum of the values and the sum of
// their squares.
type MeanStat struct {
	N    int
	Sum  float64
	Sum2 float64
}

// MeanSummary is one arm's mean and sample variance (n−1 denominator).
type MeanSummary struct {
	N    int
	Mean float64
	Var  float64
}

// summary returns the arm's mean and variance, or a reason.
func (s MeanStat) summary() (MeanSummary, Reason) {
	if s.N < 0 || !finite(s.Sum, s.Sum2) {
		return MeanSummary{}, ReasonInvalidInput
	}
	if s.N < 2 {
		return MeanSummary{}, ReasonTooFewStreams
	}
	n := float64(s.N)
	mean := s.Sum / n
	v := (s.Sum2 - s.Sum*s.Sum/n) / (n - 1)
	// Sum2 − Sum²/n cancels; treat what is left of the rounding as zero.
	if v <= 1e-12*math.Abs(s.Sum2/n) {
		v = 0
	}
	return MeanSummary{N: s.N, Mean: mean, Var: v}, OK
}

// WelchResult is the comparison of two arms' means: B (variant) against A
// (control).
type WelchResult struct {
	A, B MeanSummary
	// Absolute tests the difference of means B − A with Welch's t test:
	// SE = √(s²_A/n_A + s²_B/n_B) and Welch–Satterthwaite degrees of freedom.
	Absolute Test
	// Relative tests the relative lift (B − A)/|A| the way GrowthBook's
	// TwoSidedTTest does: delta-method variance
	// s²_B/(n_B·A²) + s²_A·B²/(n_A·A⁴), the Welch degrees of freedom of the
	// absolute test, a t-based p-value and interval.
	Relative Test
	// Reason is non-empty when no test could be computed (it is then also
	// the reason of Absolute).
	Reason Reason
}

// Welch compares the means of b (variant) and a (control) with Welch's
// unequal-variance t test at level alpha, absolute and relative.
func Welch(a, b MeanStat, alpha float64) WelchResult {
	if !validAlpha(alpha) {
		return WelchResult{Reason: ReasonInvalidInput, Absolute: Test{Reason: ReasonInvalidInput}, Relative: Test{Reason: ReasonInvalidInput}}
	}
	sa, ra := a.summary()
	sb, rb := b.summary()
	if r := firstReason(ra, rb); r != OK {
		return WelchResult{Reason: r, Absolute: Test{Reason: r}, Relative: Test{Reason: r}}
	}
	res := WelchResult{A: sa, B: sb}
	if sa.Var == 0 && sb.Var == 0 {
		res.Reason = ReasonZeroVariance
		res.Absolute = Test{Reason: ReasonZeroVariance}
		res.Relative = Test{Reason: ReasonZeroVariance}
		return res
	}
	df := welchDF(sa.Var, sa.N, sb.Var, sb.N)
	se := math.Sqrt(sa.Var/float64(sa.N) + sb.Var/float64(sb.N))
	if !finite(df, se) {
		r := ReasonNonFinite
		return WelchResult{Reason: r, Absolute: Test{Reason: r}, Relative: Test{Reason: r}}
	}
	res.Absolute = tTest(sb.Mean-sa.Mean, se, df, alpha)
	res.Relative = relativeLift(sa.Mean, sb.Mean, sa.Var/float64(sa.N), sb.Var/float64(sb.N), df, alpha)
	res.Reason = res.Absolute.Reason
	if res.Reason != OK {
		res.A, res.B = MeanSummary{}, MeanSummary{}
	}
	return res
}

// Student compares the means of b and a with Student's pooled-variance t test
// (n_A + n_B − 2 degrees of freedom). postlive reports Welch; Student is here
// for comparison with tools that default to it.
func Student(a, b MeanStat, alpha float64) Test {
	if !validAlpha(alpha) {
		return Test{Reason: ReasonInvalidInput}
	}
	sa, ra := a.summary()
	sb, rb := b.summary()
	if r := firstReason(ra, rb); r != OK {
		return Test{Reason: r}
	}
	na, nb := float64(sa.N), float64(sb.N)
	pooled := ((na-1)*sa.Var + (nb-1)*sb.Var) / (na + nb - 2)
	se := math.Sqrt(pooled * (1/na + 1/nb))
	return tTest(sb.Mean-sa.Mean, se, na+nb-2, alpha)
}

// relativeLift tests (mb − ma)/|ma| with the delta-method variance
// vb/ma² + va·mb²/ma⁴, where va and vb are the variances of the arm
// estimates (already divided by the unit counts).
func relativeLift(ma, mb, va, vb, df, alpha float64) Test {
	if ma == 0 {
		return Test{Reason: ReasonZeroBaseline}
	}
	lift := (mb - ma) / math.Abs(ma)
	v := vb/(ma*ma) + va*mb*mb/(ma*ma*ma*ma)
	return tTest(lift, math.Sqrt(v), df, alpha)
}

// firstReason returns the first non-OK reason.
func firstReason(rs ...Reason) Reason {
	for _, r := range rs {
		if r != OK {
			return r
		}
	}
	return OK
}
