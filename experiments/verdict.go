package experiments

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// VerdictInput is what Verdict puts into words.
type VerdictInput struct {
	// Metric is the metric's display name, e.g. "RPV".
	Metric string
	// Lift is the relative lift (0.068 = +6.8 %) and CI its interval.
	Lift float64
	CI   Interval
	// P is the p-value the decision uses (the adjusted one when there is a
	// family of tests) and Alpha the level (experiments.<id>.alpha, whose
	// default belongs to workspace's key table).
	P     float64
	Alpha float64
	// StreamsPerArm is the number of streams per arm needed to detect
	// TargetLift (0: unknown, not mentioned).
	StreamsPerArm int
	TargetLift    float64
	// StreamsLow and StreamsHigh are the range of StreamsPerArm (0: none
	// given): the variance behind it rests on few streams.
	StreamsLow, StreamsHigh int
	// Reason, when non-empty, replaces the verdict by the reason in words.
	Reason Reason
}

// Verdict returns a one-line verdict in plain words, e.g.
//
//	RPV +6.8 % (−1.0 % to +15.1 %), not significant; ~81 streams per arm would detect +10 %
//
// A result is significant when P < Alpha. The streams-per-arm clause is only
// added to a result that is not significant.
func Verdict(v VerdictInput) string {
	name := v.Metric
	if name == "" {
		name = "lift"
	}
	if v.Reason != OK {
		return name + ": no verdict, " + v.Reason.Words()
	}
	alpha := v.Alpha
	if !validAlpha(alpha) {
		return name + ": no verdict, " + ReasonInvalidInput.Words()
	}
	var b strings.Builder
	high := Percent(v.CI.High)
	if math.IsInf(v.CI.High, 1) {
		high = "no upper bound"
	}
	fmt.Fprintf(&b, "%s %s (%s to %s), ", name, Percent(v.Lift), Percent(v.CI.Low), high)
	if v.P < alpha {
		b.WriteString("significant")
		return b.String()
	}
	b.WriteString("not significant")
	if v.StreamsPerArm > 0 && v.TargetLift != 0 {
		rng := ""
		if v.StreamsLow > 0 && v.StreamsHigh > 0 {
			rng = fmt.Sprintf(" (%d–%d)", v.StreamsLow, v.StreamsHigh)
		}
		fmt.Fprintf(&b, "; ~%d streams per arm%s would detect %s", v.StreamsPerArm, rng, targetPercent(v.TargetLift))
	}
	return b.String()
}

// Percent formats a relative change with one decimal, an explicit sign (a
// true minus sign, U+2212) and a space before the percent sign: "+6.8 %",
// "−1.0 %", "0.0 %".
func Percent(x float64) string {
	if !finite(x) {
		return "—"
	}
	r := math.Round(x*1000) / 10
	switch {
	case r > 0:
		return "+" + strconv.FormatFloat(r, 'f', 1, 64) + " %"
	case r < 0:
		return "−" + strconv.FormatFloat(-r, 'f', 1, 64) + " %"
	}
	return "0.0 %"
}

// targetPercent formats a planning target without needless decimals: "+10 %",
// "+7.5 %".
func targetPercent(x float64) string {
	r := math.Round(x*1000) / 10
	s := strconv.FormatFloat(math.Abs(r), 'f', -1, 64) + " %"
	if r < 0 {
		return "−" + s
	}
	return "+" + s
}

// RatioVerdict words a ratio-metric result: its relative lift, t-based
// interval and p-value (p, when non-negative, overrides the result's p —
// pass the adjusted p-value), and the plan's streams per arm for its target.
func RatioVerdict(metric string, r RatioResult, plan Plan, p, alpha float64) string {
	in := VerdictInput{Metric: metric, Lift: r.Relative.Estimate, CI: r.Relative.CI, P: r.Relative.P,
		Alpha: alpha, Reason: r.Reason}
	if p >= 0 {
		in.P = p
	}
	if plan.Reason == OK {
		in.StreamsPerArm, in.TargetLift = plan.StreamsPerArmCeil, plan.TargetLift
	}
	return Verdict(in)
}
