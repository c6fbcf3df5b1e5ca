package experiments

import "math"

// Reason says why a result (or part of one) could not be computed. The empty
// Reason, OK, means the result is usable. A result with a non-empty Reason has
// all its float fields set to zero rather than NaN or Inf.
type Reason string

// The reason codes. They are stable strings: the experiment_results mart and
// the SQL function ratio_reason return them as they are.
const (
	// OK means the result is usable.
	OK Reason = ""
	// ReasonTooFewStreams: an arm has fewer than two units (streams), so its
	// variance cannot be estimated.
	ReasonTooFewStreams Reason = "too_few_streams"
	// ReasonZeroDenominator: an arm's denominator sum (viewers, clicks,
	// orders) is zero, so its ratio is undefined.
	ReasonZeroDenominator Reason = "zero_denominator"
	// ReasonZeroVariance: the standard error of the difference is zero (every
	// stream in both arms has the same value), so no test statistic exists.
	ReasonZeroVariance Reason = "zero_variance"
	// ReasonZeroBaseline: the control arm's value is zero (or, for the
	// log-ratio interval, a value is not positive), so a relative lift is
	// undefined.
	ReasonZeroBaseline Reason = "zero_baseline"
	// ReasonZeroNumerator: the variant's numerator sum is zero (no revenue,
	// orders or clicks at all), so the log ratio is −∞ and no interval for
	// a multiplicative effect exists.
	ReasonZeroNumerator Reason = "zero_numerator"
	// ReasonNoTrials: a proportion has zero trials.
	ReasonNoTrials Reason = "no_trials"
	// ReasonInvalidInput: an input is out of range: a negative count, more
	// successes than trials, alpha or power outside (0, 1), NaN or Inf.
	ReasonInvalidInput Reason = "invalid_input"
	// ReasonUnbounded: there is no finite answer: a Fieller interval is not
	// a bounded interval because the control ratio is not significantly
	// different from zero, an MDE does not exist, or a sample size exceeds
	// 10¹² units.
	ReasonUnbounded Reason = "unbounded"
	// ReasonNonFinite: the arithmetic overflowed (an intermediate value was
	// NaN or Inf) although the inputs looked valid.
	ReasonNonFinite Reason = "non_finite"
)

// Words returns the reason in plain words for reports, or "" for OK.
func (r Reason) Words() string {
	switch r {
	case OK:
		return ""
	case ReasonTooFewStreams:
		return "an arm has fewer than two streams"
	case ReasonZeroDenominator:
		return "an arm has a zero denominator"
	case ReasonZeroVariance:
		return "no variation between streams"
	case ReasonZeroBaseline:
		return "the control value is zero"
	case ReasonZeroNumerator:
		return "the variant's value is zero"
	case ReasonNoTrials:
		return "an arm has no trials"
	case ReasonInvalidInput:
		return "invalid input"
	case ReasonUnbounded:
		return "no finite answer (unbounded)"
	case ReasonNonFinite:
		return "the numbers overflowed"
	}
	return string(r)
}

// finite reports whether every x is neither NaN nor ±Inf.
func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// validAlpha reports whether a is a usable significance level or power.
func validAlpha(a float64) bool {
	return finite(a) && a > 0 && a < 1
}
