package models

import (
	"database/sql"
	"database/sql/driver"
	"math"

	"github.com/marcboeker/go-duckdb"

	"github.com/postlive/postlive/experiments"
)

// decisionFields are the named results of experiment_decide, in the order
// of the STRUCT (docs/statistics.md § The decision in plain words).
var decisionFields = []comparisonField{
	{"reason", duckdb.TYPE_VARCHAR},
	{"chance_to_beat_control", duckdb.TYPE_DOUBLE},
	{"loss_variant_rel", duckdb.TYPE_DOUBLE},
	{"loss_control_rel", duckdb.TYPE_DOUBLE},
	{"posterior_lift_rel", duckdb.TYPE_DOUBLE},
	{"credible_low", duckdb.TYPE_DOUBLE},
	{"credible_high", duckdb.TYPE_DOUBLE},
	{"prior_source", duckdb.TYPE_VARCHAR},
	{"prior_mean", duckdb.TYPE_DOUBLE},
	{"prior_sd", duckdb.TYPE_DOUBLE},
	{"prior_experiments", duckdb.TYPE_BIGINT},
	{"likelihood_se", duckdb.TYPE_DOUBLE},
}

// estimateFields are the fields of one element of experiment_decide's list
// of earlier estimates.
var estimateFields = []comparisonField{
	{"experiment_id", duckdb.TYPE_VARCHAR},
	{"log_ratio", duckdb.TYPE_DOUBLE},
	{"ci_low", duckdb.TYPE_DOUBLE},
	{"ci_high", duckdb.TYPE_DOUBLE},
	{"alpha", duckdb.TYPE_DOUBLE},
}

// registerDecisionFunction registers
//
//	experiment_decide(log_ratio, ci_low, ci_high, earlier, alpha, prior_sd, prior_min_experiments) → STRUCT
//
// the Bayesian reading of one comparison: the estimate log_ratio with the
// spread its randomisation interval (ci_low, ci_high at level 1 − alpha;
// ci_high NULL when open) implies (experiments.IntervalSE, likelihood_se);
// earlier is the list of earlier experiments' estimates of the same metric,
// {experiment_id, log_ratio, ci_low, ci_high, alpha}, from which
// experiments.EmpiricalPrior learns the prior
// (or falls back to N(0, prior_sd²) with fewer than prior_min_experiments
// of them), and experiments.Decide gives the chance to beat control, the
// expected losses relative to the control's value, the posterior mean
// lift and its 1 − alpha credible interval. It is a second function beside
// experiment_compare because the prior needs the other experiments' results,
// which experiment_compare computes.
func registerDecisionFunction(conn *sql.Conn) error {
	return registerListFunction(conn, "experiment_decide", estimateFields, decisionFields, 3, 3, experimentDecide)
}

// experimentDecide is experiment_decide.
func experimentDecide(vs []driver.Value) (any, error) {
	y, okY := vs[0].(float64)
	low, okS := vs[1].(float64)
	high, okH := vs[2].(float64)
	l, okL := vs[3].([]any)
	alpha, okA := vs[4].(float64)
	sd, okD := vs[5].(float64)
	minExp, okM := vs[6].(float64)
	if !okY || !okS || !okL || !okA || !okD || !okM {
		return nil, nil
	}
	if !okH {
		// an interval open above: the data bound nothing
		high = math.Inf(1)
	}
	se := experiments.IntervalSE(low, high, alpha)
	est := make([]experiments.Estimate, 0, len(l))
	for _, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, nil
		}
		e := experiments.Estimate{}
		e.Experiment, _ = m["experiment_id"].(string)
		var okR, okLo, okHi, okAl bool
		var lo, hi, al float64
		e.LogRatio, okR = m["log_ratio"].(float64)
		lo, okLo = m["ci_low"].(float64)
		hi, okHi = m["ci_high"].(float64)
		al, okAl = m["alpha"].(float64)
		if okR && okLo && okHi && okAl {
			e.SE = experiments.IntervalSE(lo, hi, al)
			est = append(est, e)
		}
	}
	row := make(map[string]any, len(decisionFields))
	for _, f := range decisionFields {
		row[f.name] = nil
	}
	p := experiments.EmpiricalPrior(est, experiments.PriorOptions{DefaultSD: sd, MinExperiments: int(minExp)})
	row["prior_source"] = p.Source
	row["prior_mean"] = p.Mean
	row["prior_sd"] = p.SD
	row["prior_experiments"] = int64(p.Experiments)
	if !math.IsInf(se, 1) {
		row["likelihood_se"] = se
	}
	d := experiments.Decide(y, se, p, alpha)
	if d.Reason != experiments.OK {
		row["reason"] = string(d.Reason)
		return row, nil
	}
	row["chance_to_beat_control"] = d.Chance
	row["loss_variant_rel"] = d.LossVariant
	row["loss_control_rel"] = d.LossControl
	row["posterior_lift_rel"] = d.Lift
	row["credible_low"] = d.Low
	row["credible_high"] = d.High
	return row, nil
}
