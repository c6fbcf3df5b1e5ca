package models_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/postlive/postlive/experiments"
	"github.com/postlive/postlive/models"
)

// TestExperimentDecision builds four experiments a week apart and checks
// the decision columns of experiment_results: the prior learns from the
// experiments that began earlier (default below decision.prior_min_experiments,
// empirical from then on, counting them), experiment_decide gives what
// experiments.EmpiricalPrior and Decide give
// for the mart's own estimates with the spread their intervals imply, and
// the money columns are the relative losses times the control's value and
// the mean viewers per stream, computed here from the streams.
func TestExperimentDecision(t *testing.T) {
	var ss []stream
	viewers := map[string]float64{}
	streams := map[string]float64{}
	for e := 0; e < 4; e++ {
		id := fmt.Sprintf("exp-%d", e+1)
		for i := 0; i < 10; i++ {
			variant := "a"
			if i%2 == 1 {
				variant = "b"
			}
			v := 800 + 97*i + 31*e
			// the variant earns more in some experiments, less in others
			rev := float64(200+41*((i*7+e*3)%5)) * (1 + 0.15*float64(e-1)*float64(i%2))
			ss = append(ss, stream{id: fmt.Sprintf("%s-%d", id, i), experiment: id, variant: variant, tested: "offer_amount",
				started: fmt.Sprintf("2026-10-%02dT19:00:00Z", 1+7*e+i), minutes: 30, zone: "UTC", platform: "tiktok",
				affiliate: "ana", viewers: v, revenue: rev})
			viewers[id] += float64(v)
			streams[id]++
		}
	}
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, ss)...)
	res, db := w.build(models.Settings{PriorSD: 0.4, PriorMinExperiments: 2})
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	rs := rows(t, db, "select * from experiment_results where metric = 'rpv' order by experiment_id")
	if len(rs) != 4 {
		t.Fatalf("%d rpv rows; want 4", len(rs))
	}
	wantSource := []string{"default", "default", "empirical", "empirical"}
	var earlier []experiments.Estimate
	for i, r := range rs {
		id := r["experiment_id"]
		check(t, id, r, map[string]string{"prior_source": wantSource[i], "prior_experiments": fmt.Sprint(i)})
		p := experiments.EmpiricalPrior(earlier, experiments.PriorOptions{DefaultSD: 0.4, MinExperiments: 2})
		if i < 2 {
			near(t, id+" prior_sd", num(t, r, "prior_sd"), 0.4, 0)
			near(t, id+" prior_mean", num(t, r, "prior_mean"), 0, 0)
		}
		near(t, id+" prior_mean", num(t, r, "prior_mean"), p.Mean, 1e-12)
		near(t, id+" prior_sd", num(t, r, "prior_sd"), p.SD, 1e-12)
		// the spread the randomisation interval implies, by hand
		y := num(t, r, "log_ratio")
		se := (math.Log1p(num(t, r, "ci_high")) - math.Log1p(num(t, r, "ci_low"))) / (2 * 1.959963984540054)
		near(t, id+" likelihood_se", num(t, r, "likelihood_se"), se, 1e-12)
		d := experiments.Decide(y, se, p, 0.05)
		near(t, id+" chance", num(t, r, "chance_to_beat_control"), d.Chance, 1e-12)
		near(t, id+" loss_variant_rel", num(t, r, "expected_loss_variant_rel"), d.LossVariant, 1e-12)
		near(t, id+" loss_control_rel", num(t, r, "expected_loss_control_rel"), d.LossControl, 1e-12)
		near(t, id+" posterior_lift_rel", num(t, r, "posterior_lift_rel"), d.Lift, 1e-12)
		near(t, id+" credible_low", num(t, r, "credible_low"), d.Low, 1e-12)
		near(t, id+" credible_high", num(t, r, "credible_high"), d.High, 1e-12)
		cv := num(t, r, "control_value")
		perStream := viewers[id] / streams[id]
		near(t, id+" expected_loss_variant", num(t, r, "expected_loss_variant"), d.LossVariant*cv, 1e-9)
		near(t, id+" expected_loss_control", num(t, r, "expected_loss_control"), d.LossControl*cv, 1e-9)
		near(t, id+" expected_loss_variant_per_stream", num(t, r, "expected_loss_variant_per_stream"), d.LossVariant*cv*perStream, 1e-7)
		near(t, id+" expected_loss_control_per_stream", num(t, r, "expected_loss_control_per_stream"), d.LossControl*cv*perStream, 1e-7)
		if c := num(t, r, "chance_to_beat_control"); (c > 0.5) != (d.PostMean > 0) {
			t.Errorf("%s: chance %v with posterior mean %v", id, c, d.PostMean)
		}
		earlier = append(earlier, experiments.Estimate{Experiment: id, LogRatio: y, SE: se})
	}
	// every metric's row has a decision or a reason; no NaN
	for _, r := range rows(t, db, "select * from experiment_results") {
		if r["log_ratio"] != "NULL" && r["chance_to_beat_control"] == "NULL" {
			t.Errorf("%s %s has an estimate but no chance to beat control", r["experiment_id"], r["metric"])
		}
		if c := r["chance_to_beat_control"]; c != "NULL" {
			if x := num(t, r, "chance_to_beat_control"); !(x >= 0 && x <= 1) || math.IsNaN(x) {
				t.Errorf("%s %s chance %v", r["experiment_id"], r["metric"], x)
			}
		}
	}
}
