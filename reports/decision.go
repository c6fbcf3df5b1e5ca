package reports

import (
	"database/sql"
	"fmt"
	"math"
	"strings"

	"github.com/postlive/postlive/experiments"
)

// Decision is what the decision sentence needs from one row of
// experiment_results: the Bayesian columns (docs/statistics.md § The
// decision in plain words) and the streams the power analysis asks for.
type Decision struct {
	Metric, Variant, Control                   string
	Reason, PriorSource                        sql.NullString
	Chance, LossVariant, LossControl           sql.NullFloat64
	LossVariantPerStream, LossControlPerStream sql.NullFloat64
	PriorSD, PriorExperiments                  sql.NullFloat64
	Streams, ControlStreams, StreamsNeeded     sql.NullFloat64
	// Bounded is false when the streams bound nothing (an open interval:
	// experiment_results.likelihood_se is NULL), so the chance is the
	// prior's alone and the sentence says there is not enough data instead
	// of quoting it; NULL when the mart has no likelihood_se.
	Bounded sql.NullBool
}

// DecisionSentence says what to do about one variant in one sentence, with
// the money in currency: "Keep 20off — 30off is 82 % likely to be worse,
// about $0.12 per viewer ($540 per stream) lost if you switch; about 9 more
// streams per arm would settle it." The experiment page's first screen and
// `postlive experiments` both print it. Money metrics (rpv, aov) give the
// loss per viewer or order and per stream; cvr_click and ctr the orders or
// clicks lost per stream.
func DecisionSentence(d Decision, currency string) string {
	a := experiments.AdviceInput{Variant: d.Variant, Control: d.Control}
	if d.Reason.Valid && d.Reason.String != "" {
		a.Reason = experiments.Reason(d.Reason.String)
	}
	if d.StreamsNeeded.Valid && d.Streams.Valid && d.ControlStreams.Valid {
		if more := int(d.StreamsNeeded.Float64 - math.Min(d.Streams.Float64, d.ControlStreams.Float64)); more > 0 {
			a.MoreStreams = more
		}
	}
	if !d.Chance.Valid || !d.LossVariant.Valid || !d.LossControl.Valid {
		return experiments.Advice(a)
	}
	if d.Bounded.Valid && !d.Bounded.Bool {
		a.Unbounded = true
		return experiments.Advice(a)
	}
	a.Valid, a.Chance = true, d.Chance.Float64
	switch d.Metric {
	case "rpv", "aov":
		a.Unit = map[string]string{"rpv": "viewer", "aov": "order"}[d.Metric]
		a.LossVariant, a.LossControl = lossMoney(d.LossVariant, currency), lossMoney(d.LossControl, currency)
		if d.LossVariantPerStream.Valid && d.LossControlPerStream.Valid {
			a.LossVariantPerStream = lossMoney(d.LossVariantPerStream, currency)
			a.LossControlPerStream = lossMoney(d.LossControlPerStream, currency)
		}
	default:
		what := map[string]string{"cvr_click": "orders", "ctr": "clicks"}[d.Metric]
		if what == "" {
			what = "of " + d.Metric
		}
		a.Unit = "stream"
		a.LossVariant = lossCount(d.LossVariantPerStream, what)
		a.LossControl = lossCount(d.LossControlPerStream, what)
	}
	return experiments.Advice(a)
}

// lossMoney is an expected loss in money: under a cent "less than $0.01",
// from 100 on whole units ("$540"), else cents ("$0.12").
func lossMoney(v sql.NullFloat64, currency string) string {
	if !v.Valid {
		return dash
	}
	smallest := 0.01
	if currency == "JPY" {
		smallest = 1
	}
	switch {
	case v.Float64 < smallest/2:
		return "less than " + fmtMoney(sql.NullFloat64{Float64: smallest, Valid: true}, currency)
	case v.Float64 >= 100:
		return strings.TrimSuffix(strings.TrimSuffix(fmtMoney(sql.NullFloat64{Float64: math.Round(v.Float64), Valid: true}, currency), ".00"), ",00")
	}
	return fmtMoney(v, currency)
}

// lossCount is an expected loss of orders or clicks per stream: "0.4 orders".
func lossCount(v sql.NullFloat64, what string) string {
	if !v.Valid {
		return dash + " " + what
	}
	switch {
	case v.Float64 < 0.05:
		return "less than 0.1 " + what
	case v.Float64 >= 10:
		return fixed(math.Round(v.Float64), 0) + " " + what
	}
	return fixed(v.Float64, 1) + " " + what
}

// decisionBasis says in one line what the sentences rest on: the metric,
// the prior and where it came from.
func decisionBasis(d Decision) string {
	prior := "a weakly informative default prior"
	if d.PriorSD.Valid {
		sd := d.PriorSD.Float64
		prior += " (most lifts within " + liftInterval(sql.NullFloat64{Float64: math.Exp(-2*sd) - 1, Valid: true},
			sql.NullFloat64{Float64: math.Exp(2*sd) - 1, Valid: true}) + ")"
	}
	n := 0
	if d.PriorExperiments.Valid {
		n = int(d.PriorExperiments.Float64)
	}
	if d.PriorSource.Valid && d.PriorSource.String == experiments.PriorEmpirical {
		prior = fmt.Sprintf("a prior learned from %d earlier experiment%s", n, map[bool]string{true: "", false: "s"}[n == 1])
	} else if d.PriorSource.Valid {
		prior += fmt.Sprintf(", as %d earlier experiment%s %s too few to learn one from", n, map[bool]string{true: "", false: "s"}[n == 1], map[bool]string{true: "is", false: "are"}[n == 1])
	}
	return fmt.Sprintf("On %s, from a Bayesian model of the lift with %s: the chance the variant beats the control, and the loss to expect if you switch or keep. A clear win or loss is at %s or more; the p-values below test the same data another way.",
		metricLabel(d.Metric), prior, experiments.Chance(experiments.DecisionLevel))
}
