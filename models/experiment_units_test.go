package models_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postlive/postlive/experiments"
	"github.com/postlive/postlive/models"
)

// srmVector returns the exact multinomial p of randomisation_vectors.json
// for counts against weights.
func srmVector(t *testing.T, counts []int, weights []float64) float64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "experiments", "testdata", "randomisation_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		SRM []struct {
			Counts  []int
			Weights []float64
			P       float64
		} `json:"srm_multinomial"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for _, c := range v.SRM {
		if fmt.Sprint(c.Counts) == fmt.Sprint(counts) && fmt.Sprint(c.Weights) == fmt.Sprint(weights) {
			return c.P
		}
	}
	t.Fatalf("no vector for %v against %v", counts, weights)
	return 0
}

// TestExperimentUnitsHistoryCUPEDAndSRM builds three experiments:
//
//   - exp-h: six hosts, each in one arm only, each with two streams before
//     the experiment (and one after it started that must not count): the
//     units carry each host's earlier sums and the comparison is CUPED,
//     with the numbers Analyse gives on the same streams;
//   - exp-m: three arms, 2 + 2 + 9 streams, checked against the allocation
//     1:1:2 by the exact multinomial test (scipy value);
//   - exp-z: arms constant at different RPVs: zero_variance, worded as such.
func TestExperimentUnitsHistoryCUPEDAndSRM(t *testing.T) {
	var ss []stream
	var units []experiments.Unit
	for h := 1; h <= 6; h++ {
		host := fmt.Sprintf("h%d", h)
		variant := "a"
		if h > 3 {
			variant = "b"
		}
		// the host's level: RPV 0.1·h before and during the experiment
		var preM, preD float64
		for j, day := range []string{"2026-10-01", "2026-10-02"} {
			v, r := 500+100*h+10*j, float64(50*h+7*j)
			ss = append(ss, stream{id: fmt.Sprintf("pre-%s-%d", host, j), started: day + "T15:00:00Z", minutes: 30,
				zone: "UTC", platform: "tiktok", affiliate: host, viewers: v, revenue: r})
			preM += r
			preD += float64(v)
		}
		for j, day := range []string{"2026-11-02", "2026-11-03"} {
			v, r := 520+100*h+30*j, float64(55*h+11*j+3*(h%2))
			ss = append(ss, stream{id: fmt.Sprintf("x-%s-%d", host, j), experiment: "exp-h", variant: variant,
				tested: "cta_wording", started: day + "T15:00:00Z", minutes: 30, zone: "UTC", platform: "tiktok",
				affiliate: host, viewers: v, revenue: r})
			units = append(units, experiments.Unit{Variant: variant == "b", Host: host, M: r, D: float64(v), PreM: preM, PreD: preD})
		}
	}
	// a stream of h1 outside the experiment but after it started: not history
	ss = append(ss, stream{id: "late-h1", started: "2026-11-05T15:00:00Z", minutes: 30, zone: "UTC", platform: "tiktok",
		affiliate: "h1", viewers: 9000, revenue: 9000})
	for i, n := range map[string]int{"a": 2, "b": 2, "c": 9} {
		for j := 0; j < n; j++ {
			ss = append(ss, stream{id: fmt.Sprintf("m-%s-%d", i, j), experiment: "exp-m", variant: i, tested: "offer_amount",
				started: fmt.Sprintf("2026-11-%02dT15:00:00Z", 2+j), minutes: 30, zone: "UTC", platform: "tiktok",
				affiliate: "ana", viewers: 400 + 10*j, revenue: float64(100 + 7*j)})
		}
	}
	for j, x := range [][3]float64{{0, 200, 100}, {0, 400, 200}, {1, 100, 80}, {1, 200, 160}} {
		variant := map[float64]string{0: "a", 1: "b"}[x[0]]
		ss = append(ss, stream{id: fmt.Sprintf("z-%d", j), experiment: "exp-z", variant: variant, tested: "cta_wording",
			started: fmt.Sprintf("2026-11-%02dT15:00:00Z", 2+j), minutes: 30, zone: "UTC", platform: "tiktok",
			affiliate: "zoe", viewers: int(x[1]), revenue: x[2]})
	}
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, ss)...)
	res, db := w.build(models.Settings{Experiments: []models.ExperimentSetting{
		{ID: "exp-m", Allocation: map[string]float64{"a": 1, "b": 1, "c": 2}},
	}})
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}

	// the units: each host's two earlier streams, not the late one
	for _, r := range rows(t, db, `select host, min(pre_numerator) as pm, min(pre_denominator) as pd, min(pre_streams) as n
		from int_experiment_units where experiment_id = 'exp-h' and metric = 'rpv' group by host`) {
		h := 0
		fmt.Sscanf(r["host"], "h%d", &h)
		wantM := float64(50*h + 50*h + 7)
		wantD := float64(500 + 100*h + 500 + 100*h + 10)
		if num(t, r, "pm") != wantM || num(t, r, "pd") != wantD || r["n"] != "2" {
			t.Errorf("%s history %s/%s over %s streams; want %g/%g over 2", r["host"], r["pm"], r["pd"], r["n"], wantM, wantD)
		}
	}

	rs := resultRows(t, rows(t, db, "select * from experiment_results"), "exp-h")
	rpv := rs["rpv/b"]
	want := experiments.Analyse(units, experiments.AnalysisOptions{Alpha: 0.05})
	if want.Method != experiments.MethodCUPED || rpv["method"] != want.Method {
		t.Fatalf("method %s (Analyse: %s); want CUPED: no host streamed in both arms, all have history", rpv["method"], want.Method)
	}
	near(t, "lift_rel", num(t, rpv, "lift_rel"), want.Lift, 1e-9)
	near(t, "p_value", num(t, rpv, "p_value"), want.P, 1e-12)
	near(t, "ci_low", num(t, rpv, "ci_low"), want.CI.Low, 1e-9)
	near(t, "ci_high", num(t, rpv, "ci_high"), want.CI.High, 1e-9)
	near(t, "variance_reduction", num(t, rpv, "variance_reduction"), want.VarianceReduction, 1e-9)
	if want.VarianceReduction <= 0.5 {
		t.Errorf("variance reduction %.3f; the hosts' history predicts their level, want above 0.5", want.VarianceReduction)
	}
	if rpv["assignments"] != "924" || rpv["p_value_exact"] != "true" {
		t.Errorf("assignments %s exact %s; want all C(12, 6) = 924", rpv["assignments"], rpv["p_value_exact"])
	}

	m := resultRows(t, rows(t, db, "select * from experiment_results"), "exp-m")
	if len(m) != 8 {
		t.Fatalf("exp-m has %d rows; want 4 metrics × 2 variants", len(m))
	}
	for k, r := range m {
		near(t, k+" srm_p", num(t, r, "srm_p"), srmVector(t, []int{2, 2, 9}, []float64{1, 1, 2}), 1e-9)
	}

	z := resultRows(t, rows(t, db, "select * from experiment_results"), "exp-z")["rpv/b"]
	if z["reason"] != "zero_variance" || !strings.Contains(z["warning"],
		"each arm's streams all have the same rpv (a 0.5, b 0.8), so there is no variation within the arms") {
		t.Errorf("exp-z rpv reason %s, warning %q", z["reason"], z["warning"])
	}
	if z["p_value"] != "NULL" || z["significant"] != "NULL" {
		t.Errorf("exp-z p %s significant %s; want NULL", z["p_value"], z["significant"])
	}
	// the family counts only the tests with a p-value
	for _, r := range rows(t, db, "select family_size, count(p_value) over (partition by experiment_id) as n from experiment_results") {
		if r["family_size"] != r["n"] {
			t.Errorf("family_size %s; %s tests had a p-value", r["family_size"], r["n"])
		}
	}
}

// TestExperimentSRMEvenSplit: without an allocation the three arms are
// checked against an even split.
func TestExperimentSRMEvenSplit(t *testing.T) {
	var ss []stream
	for i, n := range map[string]int{"a": 2, "b": 2, "c": 9} {
		for j := 0; j < n; j++ {
			ss = append(ss, stream{id: fmt.Sprintf("m-%s-%d", i, j), experiment: "exp-m", variant: i, tested: "offer_amount",
				started: fmt.Sprintf("2026-11-%02dT15:00:00Z", 2+j), minutes: 30, zone: "UTC", platform: "tiktok",
				affiliate: "ana", viewers: 400 + 10*j, revenue: float64(100 + 7*j)})
		}
	}
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, ss)...)
	_, db := w.build(models.Settings{Experiments: []models.ExperimentSetting{
		{ID: "exp-m", Allocation: map[string]float64{"a": 1, "c": 1}},
	}})
	for k, r := range resultRows(t, rows(t, db, "select * from experiment_results"), "exp-m") {
		if r["srm_p"] != "NULL" || !strings.Contains(r["warning"], "the allocation in postlive.yaml names no weight for b") {
			t.Errorf("%s: srm_p %s, warning %q; want no test and a warning naming b", k, r["srm_p"], r["warning"])
		}
	}
	w2 := newTestWorkspace(t)
	w2.importFiles(writeExperimentFiles(t, ss)...)
	_, db2 := w2.build(models.Settings{})
	for k, r := range resultRows(t, rows(t, db2, "select * from experiment_results"), "exp-m") {
		near(t, k+" srm_p (even)", num(t, r, "srm_p"), srmVector(t, []int{2, 2, 9}, []float64{1, 1, 1}), 1e-9)
	}
}
