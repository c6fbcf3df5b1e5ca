package experiments

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// The sources of a Prior; experiment_results.prior_source names them.
const (
	// PriorEmpirical is learned from the workspace's earlier experiments.
	PriorEmpirical = "empirical"
	// PriorDefault is the stated weakly informative default N(0, sd²).
	PriorDefault = "default"
)

// PriorFloorSD is the smallest standard deviation an empirical prior on the
// log lift may have: however alike the earlier experiments were, a new one
// is never taken as known to within ±10 % before its streams are seen.
const PriorFloorSD = 0.05

// DecisionLevel is the chance to beat control at or above which Decision
// calls a variant a clear win (and at or below 1 − DecisionLevel a clear
// loss).
const DecisionLevel = 0.95

// Estimate is one earlier comparison's estimated log lift and its standard
// error, with the experiment it belongs to.
type Estimate struct {
	Experiment string
	LogRatio   float64
	SE         float64
}

// PriorOptions says how EmpiricalPrior falls back and shrinks.
type PriorOptions struct {
	// DefaultSD is the standard deviation of the default prior N(0, sd²)
	// on the log lift (decision.prior_sd).
	DefaultSD float64
	// MinExperiments is the number of earlier experiments an empirical
	// prior needs (decision.prior_min_experiments); with fewer the default
	// is used. It is also the weight, in experiments, the default keeps in
	// an empirical prior.
	MinExperiments int
}

// Prior is a normal prior on the log lift log(R_B/R_A).
type Prior struct {
	Mean, SD float64
	// Source is PriorEmpirical or PriorDefault.
	Source string
	// Experiments is the number of earlier experiments with a usable
	// estimate (those behind an empirical prior, or too few for one).
	Experiments int
	// Tau2 and MuHat are the method-of-moments between-experiment variance
	// and mean before shrinking (0 for the default).
	Tau2, MuHat float64
}

// EmpiricalPrior learns a prior for a new experiment's log lift from earlier
// experiments' estimates (empirical Bayes). Estimates with a non-finite
// value or a standard error that is not positive are skipped. With fewer
// than opt.MinExperiments distinct experiments it returns the default
// N(0, DefaultSD²). Otherwise, with w_j = 1/SE_j²:
//
//	τ̂² = max(0, (Q − (n − 1)) / (Σw − Σw²/Σw)),  Q = Σ w_j (y_j − ȳ_w)²   (DerSimonian–Laird)
//	μ̂ = Σ w*_j y_j / Σ w*_j,  w*_j = 1/(SE_j² + τ̂²),  V = 1/Σ w*_j
//
// the predictive distribution of a new experiment's true log lift is
// N(μ̂, τ̂² + V); it is shrunk toward the default with the default counting
// as MinExperiments experiments (J the experiments):
//
//	mean = J·μ̂/(J + J0),  var = (J·(τ̂² + V) + J0·DefaultSD²)/(J + J0)
//
// and its standard deviation floored at PriorFloorSD.
func EmpiricalPrior(est []Estimate, opt PriorOptions) Prior {
	def := Prior{Mean: 0, SD: opt.DefaultSD, Source: PriorDefault}
	est = append([]Estimate(nil), est...)
	sortEstimates(est)
	var ys, vs []float64
	seen := map[string]bool{}
	for _, e := range est {
		if !finite(e.LogRatio, e.SE) || e.SE <= 0 {
			continue
		}
		ys = append(ys, e.LogRatio)
		vs = append(vs, e.SE*e.SE)
		seen[e.Experiment] = true
	}
	def.Experiments = len(seen)
	j0 := opt.MinExperiments
	if j0 < 1 {
		j0 = 1
	}
	if len(seen) < j0 || len(ys) < 2 {
		return def
	}
	var sw, sw2, swy float64
	for i, y := range ys {
		w := 1 / vs[i]
		sw += w
		sw2 += w * w
		swy += w * y
	}
	yw := swy / sw
	var q float64
	for i, y := range ys {
		q += (y - yw) * (y - yw) / vs[i]
	}
	tau2 := 0.0
	if den := sw - sw2/sw; den > 0 {
		tau2 = math.Max(0, (q-float64(len(ys)-1))/den)
	}
	var sws, swsy float64
	for i, y := range ys {
		w := 1 / (vs[i] + tau2)
		sws += w
		swsy += w * y
	}
	mu := swsy / sws
	pred := tau2 + 1/sws
	j, jd := float64(len(seen)), float64(j0)
	mean := j * mu / (j + jd)
	variance := (j*pred + jd*opt.DefaultSD*opt.DefaultSD) / (j + jd)
	sd := math.Max(math.Sqrt(variance), PriorFloorSD)
	if !finite(mean, sd) {
		return def
	}
	return Prior{Mean: mean, SD: sd, Source: PriorEmpirical, Experiments: len(seen), Tau2: tau2, MuHat: mu}
}

// Decision is the Bayesian reading of one comparison: the posterior of the
// log lift δ = log(R_B/R_A) under a normal prior and the normal likelihood
// of the analysis's estimate (GrowthBook's effect model, on the log scale so
// that the lift θ − 1 = e^δ − 1 never goes below −100 %).
type Decision struct {
	// PostMean and PostSD are the posterior mean and standard deviation of δ.
	PostMean, PostSD float64
	// Chance is P(δ > 0 | data): the chance the variant beats the control.
	Chance float64
	// Lift is the posterior mean of the relative lift, E[e^δ] − 1, and
	// Low, High its central 1 − alpha credible interval.
	Lift, Low, High float64
	// LossVariant is the expected loss, relative to the control's value, of
	// picking the variant: E[max(0, 1 − e^δ)]; LossControl that of keeping
	// the control: E[max(0, e^δ − 1)]. Times the control's value they are
	// in the metric's units (money per viewer for rpv).
	LossVariant, LossControl float64
	// Reason is non-empty when there is no decision.
	Reason Reason
}

// Decide combines the estimate logRatio with standard error se and the prior
// into the posterior N(m, s²), s² = 1/(1/se² + 1/sd²),
// m = s²·(logRatio/se² + mean/sd²), and from it the chance to beat control
// Φ(m/s) and the expected losses in closed form (log-normal partial means):
//
//	E[max(0, 1 − e^δ)] = Φ(−m/s) − e^(m + s²/2)·Φ(−m/s − s)
//	E[max(0, e^δ − 1)] = e^(m + s²/2)·Φ(m/s + s) − Φ(m/s)
//
// An se of +Inf (a design whose interval is open: the data bound nothing)
// leaves the prior as it is.
func Decide(logRatio, se float64, p Prior, alpha float64) Decision {
	if !finite(logRatio, p.Mean, p.SD) || math.IsNaN(se) || se <= 0 || p.SD <= 0 || !validAlpha(alpha) {
		return Decision{Reason: ReasonInvalidInput}
	}
	prec := 1/(se*se) + 1/(p.SD*p.SD)
	s2 := 1 / prec
	m := s2 * (logRatio/(se*se) + p.Mean/(p.SD*p.SD))
	s := math.Sqrt(s2)
	n := distuv.UnitNormal
	z := m / s
	g := math.Exp(m + s2/2)
	d := Decision{PostMean: m, PostSD: s, Chance: n.CDF(z), Lift: g - 1}
	// the two losses from the side whose terms do not cancel
	d.LossVariant = math.Max(0, n.CDF(-z)-g*n.CDF(-z-s))
	d.LossControl = math.Max(0, g*n.CDF(z+s)-n.CDF(z))
	q := n.Quantile(1 - alpha/2)
	d.Low, d.High = math.Exp(m-q*s)-1, math.Exp(m+q*s)-1
	if !finite(d.Chance, d.Lift, d.LossVariant, d.LossControl, d.Low, d.High) {
		return Decision{Reason: ReasonNonFinite}
	}
	return d
}

// IntervalSE is the standard error on the log scale that a 1 − alpha
// interval (low, high) of the relative lift implies when read as a normal
// one: (log(1 + high) − log(1 + low)) / (2·z₁₋α/₂). Decide and
// EmpiricalPrior take the estimate's spread from Analyse's interval this
// way — the randomisation test inverted, which holds its level at 5–30
// streams per arm — rather than from the delta-method SE, which at those
// sizes is too small (docs/statistics.md § The decision in plain words). An
// open side (low ≤ −100 %, high +Inf or NaN) gives +Inf: the data bound
// nothing.
func IntervalSE(low, high, alpha float64) float64 {
	if !validAlpha(alpha) || !finite(low, high) || low <= -1 || high <= low {
		return math.Inf(1)
	}
	return (math.Log1p(high) - math.Log1p(low)) / (2 * distuv.UnitNormal.Quantile(1-alpha/2))
}

// sortEstimates sorts estimates by experiment so that EmpiricalPrior's
// sums do not depend on the order SQL lists them in.
func sortEstimates(est []Estimate) {
	sort.SliceStable(est, func(i, j int) bool {
		if est[i].Experiment != est[j].Experiment {
			return est[i].Experiment < est[j].Experiment
		}
		if est[i].LogRatio != est[j].LogRatio {
			return est[i].LogRatio < est[j].LogRatio
		}
		return est[i].SE < est[j].SE
	})
}
