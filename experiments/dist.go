package experiments

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// The distribution functions below are thin wrappers around
// gonum.org/v1/gonum/stat/distuv. They return ok = false instead of NaN when
// an argument is out of range, so callers (such as the DuckDB functions in
// models) can turn that into NULL.

// NormalCDF returns Φ(z), the standard normal cumulative distribution.
func NormalCDF(z float64) (float64, bool) {
	if math.IsNaN(z) {
		return 0, false
	}
	return distuv.UnitNormal.CDF(z), true
}

// NormalQuantile returns Φ⁻¹(p) for 0 < p < 1.
func NormalQuantile(p float64) (float64, bool) {
	if !validAlpha(p) {
		return 0, false
	}
	return distuv.UnitNormal.Quantile(p), true
}

func studentsT(df float64) distuv.StudentsT {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
}

func validDF(df float64) bool {
	return finite(df) && df > 0
}

// TCDF returns P(T ≤ t) for Student's t with df degrees of freedom.
func TCDF(t, df float64) (float64, bool) {
	if math.IsNaN(t) || !validDF(df) {
		return 0, false
	}
	return studentsT(df).CDF(t), true
}

// TSurvival returns the one-sided upper tail P(T > t) for Student's t with df
// degrees of freedom.
func TSurvival(t, df float64) (float64, bool) {
	if math.IsNaN(t) || !validDF(df) {
		return 0, false
	}
	return studentsT(df).Survival(t), true
}

// TPTwoSided returns the two-sided p-value 2·P(T > |t|) for Student's t with df
// degrees of freedom.
func TPTwoSided(t, df float64) (float64, bool) {
	if math.IsNaN(t) || !validDF(df) {
		return 0, false
	}
	return math.Min(1, 2*studentsT(df).Survival(math.Abs(t))), true
}

// TQuantile returns the p-quantile of Student's t with df degrees of freedom,
// for 0 < p < 1.
func TQuantile(p, df float64) (float64, bool) {
	if !validAlpha(p) || !validDF(df) {
		return 0, false
	}
	q := studentsT(df).Quantile(p)
	return q, finite(q)
}

// ChiSquareSurvival returns P(X > x) for a chi-square variable with df degrees
// of freedom.
func ChiSquareSurvival(x, df float64) (float64, bool) {
	if math.IsNaN(x) || !validDF(df) {
		return 0, false
	}
	return distuv.ChiSquared{K: df}.Survival(x), true
}

// tTest fills the statistic, p-value and interval of an estimate with standard
// error se from Student's t with df degrees of freedom (df == 0: the normal
// distribution) at level alpha.
func tTest(est, se, df, alpha float64) Test {
	if !finite(est, se, df) {
		return Test{Reason: ReasonNonFinite}
	}
	if se <= 0 {
		return Test{Reason: ReasonZeroVariance}
	}
	stat := est / se
	var p, crit float64
	if df == 0 {
		p = 2 * distuv.UnitNormal.Survival(math.Abs(stat))
		crit = distuv.UnitNormal.Quantile(1 - alpha/2)
	} else {
		d := studentsT(df)
		p = 2 * d.Survival(math.Abs(stat))
		crit = d.Quantile(1 - alpha/2)
	}
	t := Test{
		Estimate: est,
		SE:       se,
		Stat:     stat,
		DF:       df,
		P:        math.Min(1, p),
		CI:       Interval{Low: est - crit*se, High: est + crit*se},
		Crit:     crit,
	}
	if !finite(t.Stat, t.P, t.CI.Low, t.CI.High, t.Crit) {
		return Test{Reason: ReasonNonFinite}
	}
	return t
}

// Interval is a two-sided confidence interval.
type Interval struct {
	Low, High float64
}

// Test is one estimate with its standard error and a two-sided test of
// "estimate = 0".
type Test struct {
	// Estimate is the point estimate: a difference B − A or a relative lift
	// B/A − 1.
	Estimate float64
	// SE is the standard error of Estimate.
	SE float64
	// Stat is Estimate/SE, a t or z statistic.
	Stat float64
	// DF is the degrees of freedom of the t distribution used, or 0 when the
	// normal distribution was used.
	DF float64
	// P is the two-sided p-value.
	P float64
	// CI is the 1−alpha confidence interval Estimate ± Crit·SE.
	CI Interval
	// Crit is the critical value t_{1−alpha/2, DF} (or z_{1−alpha/2}).
	Crit float64
	// Reason is non-empty when the test could not be computed; all other
	// fields are then zero.
	Reason Reason
}

// welchDF returns the Welch–Satterthwaite degrees of freedom from per-unit
// variances va, vb and unit counts na, nb.
func welchDF(va float64, na int, vb float64, nb int) float64 {
	a := va / float64(na)
	b := vb / float64(nb)
	num := (a + b) * (a + b)
	den := a*a/float64(na-1) + b*b/float64(nb-1)
	return num / den
}
