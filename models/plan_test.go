package models_test

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postlive/postlive/experiments"
	"github.com/postlive/postlive/models"
	"github.com/postlive/postlive/plan"
)

// planCase is one planned stream of TestPlannedExperiment and what ran.
type planCase struct {
	id, host, block, planned string
	day                      int    // November; 0: December 20 (still to come)
	ran                      string // the variant imported; "-": no variant; "": not imported
	viewers                  int
	revenue                  float64
}

// planFixture is a hand-built plan and its streams: every kind of deviation.
//
//	p8   planned a, imported without a variant     other_variant, analysed as a
//	p10  planned a, ran b                          other_variant, analysed as a
//	p11  planned b, not imported, due              missing
//	p12  planned a, due after the latest stream    not a deviation (still to come)
//	x1   names exp-p, not in the plan              extra
func planFixture() ([]planCase, []stream) {
	cs := []planCase{
		{"p1", "h1", "h1 · weekday", "a", 2, "a", 1000, 310},
		{"p2", "h1", "h1 · weekday", "b", 3, "b", 1100, 420},
		{"p3", "h1", "h1 · weekday", "a", 4, "a", 900, 250},
		{"p4", "h1", "h1 · weekday", "b", 5, "b", 1200, 390},
		{"p5", "h2", "h2 · weekday", "a", 2, "a", 500, 70},
		{"p6", "h2", "h2 · weekday", "b", 3, "b", 450, 90},
		{"p7", "h2", "h2 · weekday", "b", 4, "b", 520, 85},
		{"p8", "h2", "h2 · weekday", "a", 5, "-", 480, 60},
		{"p9", "h1", "h1 · weekend", "b", 7, "b", 1300, 450},
		{"p10", "h1", "h1 · weekend", "a", 8, "b", 1250, 330},
		{"p11", "h2", "h2 · weekend", "b", 8, "", 0, 0},
		{"p12", "h2", "h2 · weekend", "a", 0, "", 0, 0},
	}
	var ss []stream
	for _, c := range cs {
		if c.ran == "" {
			continue
		}
		s := stream{id: c.id, started: fmt.Sprintf("2026-11-%02dT15:00:00Z", c.day), minutes: 30, zone: "UTC",
			platform: "tiktok", affiliate: c.host, viewers: c.viewers, revenue: c.revenue}
		if c.ran != "-" {
			s.experiment, s.variant, s.tested = "exp-p", c.ran, "offer_amount"
		}
		ss = append(ss, s)
	}
	ss = append(ss, stream{id: "x1", experiment: "exp-p", variant: "b", tested: "offer_amount", started: "2026-11-14T15:00:00Z",
		minutes: 30, zone: "UTC", platform: "tiktok", affiliate: "h2", viewers: 600, revenue: 200})
	return cs, ss
}

func planSetting(cs []planCase, edited bool) models.PlanSetting {
	p := models.PlanSetting{ID: "exp-p", TestedVariable: "offer_amount", Variants: []string{"a", "b"}, Weights: []float64{0.5, 0.5},
		PrimaryMetric: "rpv", Alpha: 0.05, MinEffect: 0.2, BlockBy: "host,weekday", Seed: 7,
		PlannedAt: time.Date(2026, 10, 30, 9, 0, 0, 0, time.UTC), Hash: strings.Repeat("ab", 32), Edited: edited}
	for _, c := range cs {
		start := time.Date(2026, 11, c.day, 15, 0, 0, 0, time.UTC)
		if c.day == 0 {
			start = time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC)
		}
		p.Streams = append(p.Streams, models.PlanStream{StreamID: c.id, Host: c.host, StartedAt: start, Block: c.block, Variant: c.planned})
	}
	return p
}

// TestPlannedExperiment: with a plan, the analysis takes the planned
// streams that ran under their planned variant (intention to treat), blocks
// on the plan's blocks whatever their size, lists every deviation, and
// reports plan adherence instead of the sample-ratio check.
func TestPlannedExperiment(t *testing.T) {
	cs, ss := planFixture()
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, ss)...)
	res, db := w.build(models.Settings{Plans: []models.PlanSetting{planSetting(cs, false)}})
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}

	var got []string
	for _, r := range rows(t, db, `select stream_id, deviation, coalesce(analysed_as, '-') as analysed_as, detail from experiment_deviations order by stream_id`) {
		got = append(got, r["stream_id"]+" "+r["deviation"]+" "+r["analysed_as"])
		if r["detail"] == "" {
			t.Errorf("%s has no detail", r["stream_id"])
		}
	}
	want := []string{"p10 other_variant a", "p11 missing -", "p8 other_variant a", "x1 extra -"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("deviations %q; want %q", got, want)
	}

	// each arm's streams: a = p1 p3 p5 (as planned), p8 p10 (other), p12 (to come);
	// b = p2 p4 p6 p7 p9 (as planned), p11 (missing), and x1 extra
	var arms []string
	for _, r := range rows(t, db, `select variant, planned_streams, ran_as_planned, other_variant, missing, to_come, extra
		from experiment_plan_adherence where experiment_id = 'exp-p' order by arm_order`) {
		arms = append(arms, strings.Join([]string{r["variant"], r["planned_streams"], r["ran_as_planned"], r["other_variant"],
			r["missing"], r["to_come"], r["extra"]}, " "))
	}
	if got, want := strings.Join(arms, "; "), "a 6 3 2 0 1 0; b 6 5 0 1 0 1"; got != want {
		t.Errorf("adherence (variant planned ran other missing to_come extra) %q; want %q", got, want)
	}

	// the units: p1–p10 under their planned variant and block
	var units []experiments.Unit
	planned := map[string]planCase{}
	for _, c := range cs {
		planned[c.id] = c
	}
	for _, r := range rows(t, db, `select stream_id, variant, block, is_planned from int_experiment_units
		where experiment_id = 'exp-p' and metric = 'rpv' order by stream_id`) {
		c, ok := planned[r["stream_id"]]
		if !ok || r["variant"] != c.planned || r["block"] != c.block || r["is_planned"] != "true" {
			t.Errorf("unit %v; want the plan's variant and block (%+v)", r, c)
		}
		units = append(units, experiments.Unit{Variant: c.planned == "b", Host: c.block, M: c.revenue, D: float64(c.viewers)})
		delete(planned, r["stream_id"])
	}
	var left []string
	for id := range planned {
		left = append(left, id)
	}
	sort.Strings(left)
	if strings.Join(left, ",") != "p11,p12" {
		t.Errorf("planned streams without a unit: %v; want p11,p12 (not run)", left)
	}

	// the balance check sees the arms as analysed: x1 (extra) is not in them,
	// p8 and p10 count as a
	bal := rows(t, db, `select arms from experiment_balance where experiment_id = 'exp-p' and dimension = 'affiliate'`)
	if len(bal) != 1 || bal[0]["arms"] != "a: h1 3, h2 2 | b: h1 3, h2 2" {
		t.Errorf("affiliate balance %v; want the planned arms a: h1 3, h2 2 | b: h1 3, h2 2", bal)
	}

	rpv := resultRows(t, rows(t, db, "select * from experiment_results"), "exp-p")["rpv/b"]
	an := experiments.Analyse(units, experiments.AnalysisOptions{Alpha: 0.05, PlanBlocks: true})
	if an.Method != experiments.MethodBlocked || rpv["method"] != an.Method {
		t.Fatalf("method %s (Analyse: %s); want blocked on the plan's blocks", rpv["method"], an.Method)
	}
	if rpv["blocks"] != "3" {
		t.Errorf("blocks %s; want 3 (h1 · weekday, h1 · weekend, h2 · weekday have both arms)", rpv["blocks"])
	}
	// without the plan's blocks Analyse would not block: too few re-assignments
	if free := experiments.Analyse(units, experiments.AnalysisOptions{Alpha: 0.05}); free.Method == experiments.MethodBlocked {
		t.Errorf("the fixture should not be blocked without a plan (method %s)", free.Method)
	}
	near(t, "lift_rel", num(t, rpv, "lift_rel"), an.Lift, 1e-9)
	near(t, "p_value", num(t, rpv, "p_value"), an.P, 1e-12)
	if rpv["target_lift_rel"] != "0.2" {
		t.Errorf("target_lift_rel %s; want the plan's minimum effect 0.2", rpv["target_lift_rel"])
	}
	if rpv["srm_p"] != "NULL" || strings.Contains(rpv["warning"], "sample ratio") {
		t.Errorf("srm_p %s, warning %q; plan adherence replaces the sample-ratio check", rpv["srm_p"], rpv["warning"])
	}
	for _, s := range []string{
		"plan adherence: 9 of 12 planned streams ran as planned or are still to come, 2 ran with another variant (analysed with the planned one: intention to treat), 1 missing (left out), 1 extra not in the plan (left out)",
		"compared within the plan's blocks: 3 blocks with streams in both arms",
	} {
		if !strings.Contains(rpv["warning"], s) {
			t.Errorf("warning %q lacks %q", rpv["warning"], s)
		}
	}
	if strings.Contains(rpv["warning"], "plan edited") {
		t.Errorf("warning %q: the plan was not edited", rpv["warning"])
	}
}

// TestPlanEditedAfterRegistration: a plan whose file no longer has its
// registered hash is flagged on every result of the experiment.
func TestPlanEditedAfterRegistration(t *testing.T) {
	cs, ss := planFixture()
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, ss)...)
	w.build(models.Settings{Plans: []models.PlanSetting{planSetting(cs, false)}})
	// the edit reaches the build through the settings tables: the experiment
	// models are computed again, the rest is reused
	res, db := w.build(models.Settings{Plans: []models.PlanSetting{planSetting(cs, true)}})
	for _, m := range []string{"experiment_results", "experiment_plan_adherence", "int_experiment_units"} {
		if slices.Contains(res.Reused, m) {
			t.Errorf("%s was reused after the plan changed", m)
		}
	}
	for _, m := range []string{"stream_kpis", "int_clicks_classified"} {
		if !slices.Contains(res.Reused, m) {
			t.Errorf("%s was computed again though no input of it changed (reused %v)", m, res.Reused)
		}
	}
	for k, r := range resultRows(t, rows(t, db, "select * from experiment_results"), "exp-p") {
		if !strings.Contains(r["warning"], "plan edited after registration: plans/exp-p.json no longer has the SHA-256 recorded when it was planned") {
			t.Errorf("%s warning %q; want the edit flagged", k, r["warning"])
		}
	}
}

// TestDaypartAgreesWithPlan: postlive plan's dayparts (plan.Daypart) are
// those of int_experiment_streams, hour by hour, so a plan's daypart blocks
// mean what the balance check calls a daypart.
func TestDaypartAgreesWithPlan(t *testing.T) {
	var ss []stream
	for h := 0; h < 24; h++ {
		ss = append(ss, stream{id: fmt.Sprintf("h%02d", h), experiment: "exp-d", variant: []string{"a", "b"}[h%2],
			started: fmt.Sprintf("2026-11-02T%02d:00:00Z", h), minutes: 30, zone: "Asia/Tokyo", platform: "tiktok",
			affiliate: "ana", viewers: 100, revenue: 10})
	}
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, ss)...)
	_, db := w.build(models.Settings{})
	n := 0
	for _, r := range rows(t, db, `select stream_id, start_hour_local, daypart from int_experiment_streams where experiment_id = 'exp-d'`) {
		h, _ := strconv.Atoi(r["start_hour_local"])
		if want := plan.Daypart(h); r["daypart"] != want {
			t.Errorf("%s: local hour %d is %s in SQL, %s in plan.Daypart", r["stream_id"], h, r["daypart"], want)
		}
		n++
	}
	if n != 24 {
		t.Fatalf("%d streams; want 24", n)
	}
}
