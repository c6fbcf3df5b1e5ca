package models_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
)

// stream is one experiment stream of a test workspace: one attributed order
// of revenue (none when revenue is 0) and unique viewers.
type stream struct {
	id, experiment, variant, tested string
	started                         string // RFC 3339
	minutes                         int
	zone, platform, affiliate       string
	viewers                         int
	revenue                         float64
}

// writeExperimentFiles writes streams, links and orders CSVs for ss and
// returns their import specs.
func writeExperimentFiles(t *testing.T, ss []stream) []importSpec {
	t.Helper()
	dir := t.TempDir()
	var st, li, or strings.Builder
	st.WriteString("stream_id,affiliate_id,started_at,ended_at,merchant_id,platform,timezone,unique_viewers,experiment_id,variant,tested_variable,currency\n")
	li.WriteString("link_id,stream_id,tracking_id,target_url\n")
	or.WriteString("merchant_id,order_id,ordered_at,currency,net_revenue,refunded,tracking_id,customer_email,status\n")
	for _, s := range ss {
		start, err := time.Parse(time.RFC3339, s.started)
		if err != nil {
			t.Fatal(err)
		}
		end := start.Add(time.Duration(s.minutes) * time.Minute)
		fmt.Fprintf(&st, "%s,%s,%s,%s,m1,%s,%s,%d,%s,%s,%s,USD\n", s.id, s.affiliate, start.UTC().Format(time.RFC3339),
			end.UTC().Format(time.RFC3339), s.platform, s.zone, s.viewers, s.experiment, s.variant, s.tested)
		fmt.Fprintf(&li, "L-%s,%s,TRK-%s,https://shop.example/p\n", s.id, s.id, s.id)
		if s.revenue > 0 {
			fmt.Fprintf(&or, "m1,o-%s,%s,USD,%.2f,0,TRK-%s,%s@example.com,approved\n", s.id,
				start.Add(5*time.Minute).UTC().Format(time.RFC3339), s.revenue, s.id, s.id)
		}
	}
	var specs []importSpec
	for _, f := range []struct{ name, kind, text string }{
		{"streams.csv", "streams", st.String()},
		{"links.csv", "links", li.String()},
		{"orders.csv", "orders", or.String()},
	} {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
		specs = append(specs, importSpec{p, f.kind, ""})
	}
	return specs
}

// sectionC reads the streams of stats_vectors.json section c and the
// reference values of sections c and f.
type sectionC struct {
	A, B []struct {
		Revenue float64 `json:"revenue"`
		Viewers float64 `json:"viewers"`
	}
	out struct {
		A, B struct {
			Ratio   float64 `json:"ratio_RPV"`
			VarR    float64 `json:"var_ratio"`
			VarUnit float64 `json:"var_unit_delta"`
		}
		Absolute struct {
			Diff float64 `json:"diff"`
			P    float64 `json:"p_t_welch"`
		} `json:"absolute"`
		Relative struct {
			Lift float64    `json:"lift"`
			SE   float64    `json:"se_lift"`
			DF   float64    `json:"df_welch"`
			P    float64    `json:"p_t_welch_growthbook"`
			CI   [2]float64 `json:"ci95_t_welch_growthbook"`
		} `json:"relative"`
		Fieller [2]float64 `json:"alt_fieller_ci95_lift"`
	}
	cs12 [2]float64
}

func loadSectionC(t *testing.T) sectionC {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "experiments", "testdata", "stats_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		C struct {
			Input  json.RawMessage `json:"input"`
			Output json.RawMessage `json:"output"`
		} `json:"c_delta_method_ratio_metric_rpv"`
		F struct {
			CS struct {
				N12 struct {
					CI [2]float64 `json:"ci"`
				} `json:"N_star_12"`
			} `json:"growthbook_asymptotic_cs"`
		} `json:"f_sequential_on_example_c"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var c sectionC
	if err := json.Unmarshal(raw.C.Input, &c); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw.C.Output, &c.out); err != nil {
		t.Fatal(err)
	}
	c.cs12 = raw.F.CS.N12.CI
	return c
}

// sectionCStreams turns section c into twelve streams of experiment "exp-c"
// with variants named a and b, all alike in platform, host, weekday, hour and
// duration (so no balance warning).
func sectionCStreams(c sectionC, a, b string) []stream {
	// weekdays of October 2026, one stream each at 19:00 UTC
	days := []int{5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 19, 20}
	var ss []stream
	add := func(variant string, i int, revenue, viewers float64) {
		ss = append(ss, stream{id: fmt.Sprintf("c-%s%d", variant, i+1), experiment: "exp-c", variant: variant,
			tested: "offer_amount", started: fmt.Sprintf("2026-10-%02dT19:00:00Z", days[len(ss)]), minutes: 30,
			zone: "UTC", platform: "tiktok", affiliate: "ana", viewers: int(viewers), revenue: revenue})
	}
	for i, s := range c.A {
		add(a, i, s.Revenue, s.Viewers)
	}
	for i, s := range c.B {
		add(b, i, s.Revenue, s.Viewers)
	}
	return ss
}

// num parses a mart value; NULL fails the test.
func num(t *testing.T, row map[string]string, col string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(row[col], 64)
	if err != nil {
		t.Fatalf("%s = %q; want a number", col, row[col])
	}
	return f
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g; want %.12g (±%g)", what, got, want, tol)
	}
}

func resultRows(t *testing.T, rs []map[string]string, experiment string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, r := range rs {
		if r["experiment_id"] == experiment {
			out[r["metric"]+"/"+r["variant"]] = r
		}
	}
	return out
}

// permutationP enumerates every split of the streams into arms of the
// observed sizes (independently of package experiments): the share of splits
// with |R_B − R_A| at least the observed one.
func permutationP(ma, da, mb, db []float64) float64 {
	m := append(append([]float64{}, ma...), mb...)
	d := append(append([]float64{}, da...), db...)
	n, kb := len(m), len(mb)
	stat := func(inB uint) float64 {
		var sma, sda, smb, sdb float64
		for i := 0; i < n; i++ {
			if inB&(1<<i) != 0 {
				smb, sdb = smb+m[i], sdb+d[i]
			} else {
				sma, sda = sma+m[i], sda+d[i]
			}
		}
		return math.Abs(smb/sdb - sma/sda)
	}
	observed := stat(((1 << kb) - 1) << (n - kb))
	var all, extreme int
	for mask := uint(0); mask < 1<<n; mask++ {
		if popcount(mask) != kb {
			continue
		}
		all++
		if stat(mask) >= observed*(1-1e-12) {
			extreme++
		}
	}
	return float64(extreme) / float64(all)
}

func popcount(x uint) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// TestExperimentResultsMatchReference builds section c of stats_vectors.json
// as twelve streams and checks the mart's numbers against the scipy/
// statsmodels reference to 1e-6, plus what is computed here independently.
func TestExperimentResultsMatchReference(t *testing.T) {
	c := loadSectionC(t)
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, sectionCStreams(c, "a", "b"))...)
	res, db := w.build(models.Settings{})
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	rs := resultRows(t, rows(t, db, "select * from experiment_results"), "exp-c")
	if len(rs) != 4 {
		t.Fatalf("exp-c has %d result rows; want 4 (metrics × one variant): %v", len(rs), rs)
	}
	rpv := rs["rpv/b"]
	check(t, "rpv", rpv, map[string]string{
		"control": "a", "tested_variable": "offer_amount", "streams": "6", "control_streams": "6",
		"method": "randomisation_log_ratio", "is_primary": "true", "alpha": "0.05", "warning": "NULL",
		"p_value_exact": "true", "assignments": "924",
		"reason": "NULL",
	})
	o := c.out
	const tol = 1e-6
	near(t, "value", num(t, rpv, "value"), o.B.Ratio, tol)
	near(t, "control_value", num(t, rpv, "control_value"), o.A.Ratio, tol)
	near(t, "lift_abs", num(t, rpv, "lift_abs"), o.Absolute.Diff, tol)
	near(t, "lift_rel", num(t, rpv, "lift_rel"), o.Relative.Lift, tol)
	near(t, "lift_rel_se", num(t, rpv, "lift_rel_se"), o.Relative.SE, tol)
	near(t, "df", num(t, rpv, "df"), o.Relative.DF, tol)
	near(t, "welch_ci_low", num(t, rpv, "welch_ci_low"), o.Relative.CI[0], tol)
	near(t, "welch_ci_high", num(t, rpv, "welch_ci_high"), o.Relative.CI[1], tol)
	near(t, "welch_p_value", num(t, rpv, "welch_p_value"), o.Relative.P, tol)
	// The headline numbers: randomisation_vectors.json (exact enumeration
	// of the studentised log ratio, the test inverted by bisection; Fieller
	// with t at the Welch df from scipy).
	rv := models.LoadRandomisationC(t)
	near(t, "p_value", num(t, rpv, "p_value"), rv.P, 1e-9)
	near(t, "ci_low", num(t, rpv, "ci_low"), rv.CI[0], tol)
	near(t, "ci_high", num(t, rpv, "ci_high"), rv.CI[1], tol)
	near(t, "log_ratio_se", num(t, rpv, "log_ratio_se"), rv.SE, tol)
	near(t, "fieller_low", num(t, rpv, "fieller_low"), rv.FiellerLow, tol)
	near(t, "fieller_high", num(t, rpv, "fieller_high"), rv.FiellerHigh, tol)
	near(t, "power", num(t, rpv, "power"), rv.Power, tol)
	near(t, "streams_needed", num(t, rpv, "streams_needed"), rv.StreamsNeeded, 0)
	near(t, "streams_needed_low", num(t, rpv, "streams_needed_low"), rv.StreamsLow, 0)
	near(t, "streams_needed_high", num(t, rpv, "streams_needed_high"), rv.StreamsHigh, 0)
	near(t, "numerator", num(t, rpv, "numerator"), 13083.45, 1e-9)
	near(t, "denominator", num(t, rpv, "denominator"), 7070, 1e-9)

	// aov = revenue / orders with one order per stream: the arms' mean revenue.
	aov := rs["aov/b"]
	near(t, "aov lift_rel", num(t, aov, "lift_rel"), (13083.45/6)/(12336.95/6)-1, 1e-9)

	// No clicks anywhere: cvr_click has a zero denominator, ctr a zero
	// control value. NULLs and a reason, never NaN.
	for _, m := range []string{"cvr_click", "ctr"} {
		r := rs[m+"/b"]
		for _, col := range []string{"lift_rel", "ci_low", "ci_high", "p_value", "p_value_adjusted", "significant", "mde_rel", "streams_needed"} {
			if r[col] != "NULL" {
				t.Errorf("%s %s = %s; want NULL", m, col, r[col])
			}
		}
	}
	check(t, "cvr_click", rs["cvr_click/b"], map[string]string{"reason": "zero_denominator",
		"warning": "zero_denominator: a has no clicks"})
	if r := rs["ctr/b"]; !strings.HasPrefix(r["warning"], r["reason"]+": ") || r["reason"] == "NULL" {
		t.Errorf("ctr reason %s, warning %q; want the reason code and words", r["reason"], r["warning"])
	}

	// Holm over the two p-values the experiment has (rpv, aov).
	p1, p2 := num(t, rpv, "p_value"), num(t, aov, "p_value")
	lo, hi := math.Min(p1, p2), math.Max(p1, p2)
	adjLo := math.Min(1, 2*lo)
	adjHi := math.Max(adjLo, math.Min(1, hi))
	wantAdj := map[bool]float64{true: adjLo, false: adjHi}
	near(t, "rpv p_value_adjusted", num(t, rpv, "p_value_adjusted"), wantAdj[p1 <= p2], 1e-12)
	near(t, "aov p_value_adjusted", num(t, aov, "p_value_adjusted"), wantAdj[p2 < p1], 1e-12)
	if rpv["significant"] != strconv.FormatBool(num(t, rpv, "p_value_adjusted") < 0.05) {
		t.Errorf("significant = %s with adjusted p %s", rpv["significant"], rpv["p_value_adjusted"])
	}

	// Every number in the mart is finite.
	for _, r := range rows(t, db, "select * from experiment_results") {
		for k, v := range r {
			if strings.Contains(strings.ToLower(v), "nan") || strings.Contains(strings.ToLower(v), "inf") {
				t.Errorf("%s/%s %s = %s", r["metric"], r["variant"], k, v)
			}
		}
	}
	for _, r := range rows(t, db, "select * from experiment_balance where experiment_id = 'exp-c'") {
		if r["warning"] != "NULL" {
			t.Errorf("balance %s warns %q; the arms are alike", r["dimension"], r["warning"])
		}
	}
}

// TestExperimentSettingsHonoured swaps the control by configuration (b is
// not the alphabetical first) and sets alpha and planned streams; the
// numbers follow the design's formulas from the reference arm variances.
func TestExperimentSettingsHonoured(t *testing.T) {
	c := loadSectionC(t)
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, sectionCStreams(c, "a", "b"))...)
	_, db := w.build(models.Settings{Experiments: []models.ExperimentSetting{
		{ID: "exp-c", Control: "b", PrimaryMetric: "aov", PlannedStreams: 40, Alpha: 0.2},
	}})
	rs := resultRows(t, rows(t, db, "select * from experiment_results"), "exp-c")
	rpv, ok := rs["rpv/a"]
	if !ok || len(rs) != 4 {
		t.Fatalf("want rows for variant a against control b; got %v", rs)
	}
	check(t, "rpv", rpv, map[string]string{"control": "b", "alpha": "0.2", "is_primary": "false",
		"warning": "interim: 12 of the 40 planned streams of these arms; the p-value is valid only when read once, at the plan"})
	check(t, "aov", rs["aov/a"], map[string]string{"is_primary": "true"})

	// a against b: L = R_a/R_b − 1, Var(L) = var_Ra/R_b² + R_a²·var_Rb/R_b⁴.
	o := c.out
	ra, rb, va, vb := o.A.Ratio, o.B.Ratio, o.A.VarR, o.B.VarR
	lift := ra/rb - 1
	se := math.Sqrt(va/(rb*rb) + ra*ra*vb/(rb*rb*rb*rb))
	df := o.Relative.DF // Welch df does not depend on which arm is the control
	tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	crit := tdist.Quantile(1 - 0.2/2)
	const tol = 1e-6
	near(t, "lift_abs", num(t, rpv, "lift_abs"), -o.Absolute.Diff, tol)
	near(t, "lift_rel", num(t, rpv, "lift_rel"), lift, tol)
	near(t, "welch_ci_low (80 %)", num(t, rpv, "welch_ci_low"), lift-crit*se, tol)
	near(t, "welch_ci_high (80 %)", num(t, rpv, "welch_ci_high"), lift+crit*se, tol)
	near(t, "welch_p_value", num(t, rpv, "welch_p_value"), 2*tdist.Survival(math.Abs(lift)/se), tol)
	// |log ratio|/SE and the 6 + 6 re-assignments do not depend on which
	// arm is the control: the same exact p as with a as the control.
	near(t, "p_value", num(t, rpv, "p_value"), models.LoadRandomisationC(t).P, 1e-9)
	if lo, hi := num(t, rpv, "ci_low"), num(t, rpv, "ci_high"); !(lo > -1 && lo < lift && lift < hi) {
		t.Errorf("80 %% interval %g … %g does not hold the lift %g above −100 %%", lo, hi, lift)
	}
	if want := strconv.FormatBool(num(t, rpv, "p_value_adjusted") < 0.2); rpv["significant"] != want {
		t.Errorf("significant = %s; want %s (alpha 0.2, adjusted p %s)", rpv["significant"], want, rpv["p_value_adjusted"])
	}
}

// TestExperimentBalanceAndDegenerateArms: arms that differ in weekday (read
// in the stream's own time zone) and duration get plain-words warnings in
// experiment_balance and experiment_results.warning; a variant with one
// stream gets NULLs and too_few_streams; a configured control without
// streams falls back to the alphabetical first with a warning.
func TestExperimentBalanceAndDegenerateArms(t *testing.T) {
	ss := []stream{
		// weekend arm: Saturdays and Sundays in New York, 60 min.
		{id: "w1", variant: "weekend", started: "2026-11-07T15:00:00Z", zone: "America/New_York", viewers: 900, revenue: 300},
		{id: "w2", variant: "weekend", started: "2026-11-08T15:00:00Z", zone: "America/New_York", viewers: 1100, revenue: 420},
		{id: "w3", variant: "weekend", started: "2026-11-14T15:00:00Z", zone: "America/New_York", viewers: 1000, revenue: 380},
		// weekday arm, 20 min. 2026-11-07T03:00Z is Saturday in UTC but
		// Friday 22:00 in New York: a weekday in the stream's time zone.
		{id: "d1", variant: "weekday", started: "2026-11-07T03:00:00Z", zone: "America/New_York", viewers: 950, revenue: 310},
		{id: "d2", variant: "weekday", started: "2026-11-10T15:00:00Z", zone: "America/New_York", viewers: 1050, revenue: 330},
		{id: "d3", variant: "weekday", started: "2026-11-11T15:00:00Z", zone: "America/New_York", viewers: 1000, revenue: 360},
	}
	for i := range ss {
		ss[i].experiment, ss[i].tested, ss[i].platform, ss[i].affiliate = "exp-bal", "cta_wording", "tiktok", "ana"
		ss[i].minutes = 20
		if ss[i].variant == "weekend" {
			ss[i].minutes = 60
		}
	}
	ss = append(ss,
		stream{id: "s1", experiment: "exp-solo", variant: "x", tested: "cta_wording", started: "2026-11-10T15:00:00Z",
			minutes: 30, zone: "UTC", platform: "tiktok", affiliate: "ana", viewers: 500, revenue: 100},
		stream{id: "s2", experiment: "exp-solo", variant: "x", tested: "cta_wording", started: "2026-11-11T15:00:00Z",
			minutes: 30, zone: "UTC", platform: "tiktok", affiliate: "ana", viewers: 600, revenue: 150},
		stream{id: "s3", experiment: "exp-solo", variant: "y", tested: "cta_wording", started: "2026-11-12T15:00:00Z",
			minutes: 30, zone: "UTC", platform: "tiktok", affiliate: "ana", viewers: 550, revenue: 120},
	)
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, ss)...)
	res, db := w.build(models.Settings{Experiments: []models.ExperimentSetting{{ID: "exp-solo", Control: "nobody"}}})
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}

	bal := byKey(rows(t, db, "select * from experiment_balance where experiment_id = 'exp-bal'"), "dimension")
	if len(bal) != 6 {
		t.Fatalf("experiment_balance has %d dimensions for exp-bal; want 6", len(bal))
	}
	wantBal := map[string]string{
		"platform":   "NULL",
		"affiliate":  "NULL",
		"weekday":    "all weekend streams ran on weekends, no weekday stream did",
		"start_hour": "NULL", // 10:00 in New York, d1 22:00 (night) is 1 of 3
		"duration":   "weekend streams ran 60 min on average, weekday 20 min",
		"tier":       "NULL", // no stream reports followers: one level, "hosts of unknown tier"
	}
	for d, want := range wantBal {
		if got := bal[d]["warning"]; got != want {
			t.Errorf("balance %s warning = %q; want %q (arms %s)", d, got, want, bal[d]["arms"])
		}
	}
	if got := bal["weekday"]["arms"]; got != "weekday: weekdays 3 | weekend: weekends 3" {
		t.Errorf("balance weekday arms = %q", got)
	}
	for _, r := range resultRows(t, rows(t, db, "select * from experiment_results"), "exp-bal") {
		if !strings.Contains(r["warning"], wantBal["weekday"]) || !strings.Contains(r["warning"], wantBal["duration"]) {
			t.Errorf("%s warning = %q; want the balance warnings", r["metric"], r["warning"])
		}
	}

	solo := resultRows(t, rows(t, db, "select * from experiment_results"), "exp-solo")
	r, ok := solo["rpv/y"]
	if !ok {
		t.Fatalf("exp-solo rows: %v", solo)
	}
	check(t, "exp-solo rpv", r, map[string]string{
		"control": "x", "streams": "1", "reason": "too_few_streams", "lift_rel": "NULL", "ci_low": "NULL",
		"p_value": "NULL", "p_value_adjusted": "NULL", "significant": "NULL", "value": "0.21818181818181817",
	})
	for _, want := range []string{
		"too_few_streams: y has 1 stream with viewers, at least 2 per arm are needed",
		"the control nobody set in postlive.yaml has no streams, so x is the control",
	} {
		if !strings.Contains(r["warning"], want) {
			t.Errorf("exp-solo warning = %q; want it to say %q", r["warning"], want)
		}
	}
}

// TestLocalTimeFunctions checks local_hour and local_weekday against Go's
// time package, across a daylight-saving change and the date line.
func TestLocalTimeFunctions(t *testing.T) {
	db, err := models.Open(context.Background(), "", "", 1, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		ts, zone string
		hour     string
		weekday  string
	}{
		{"2026-11-07 03:00:00", "America/New_York", "22", "5"}, // Friday evening, EST
		{"2026-10-31 03:00:00", "America/New_York", "23", "5"}, // EDT the week before
		{"2026-11-07 03:00:00", "UTC", "3", "6"},
		{"2026-11-07 03:00:00", "", "3", "6"},
		{"2026-11-08 12:30:00", "Pacific/Kiritimati", "2", "1"}, // UTC+14: Monday already
		{"2026-11-07 03:00:00", "Mars/Olympus", "NULL", "NULL"},
		{"2026-11-07 03:00:00", "Local", "NULL", "NULL"},
	} {
		got := rows(t, db, "select local_hour(?::timestamp, ?) as h, local_weekday(?::timestamp, ?) as d", c.ts, c.zone, c.ts, c.zone)[0]
		if got["h"] != c.hour || got["d"] != c.weekday {
			t.Errorf("local_hour/local_weekday(%s, %q) = %s, %s; want %s, %s", c.ts, c.zone, got["h"], got["d"], c.hour, c.weekday)
		}
	}
	if got := rows(t, db, "select local_hour(null::timestamp, 'UTC') as h")[0]["h"]; got != "NULL" {
		t.Errorf("local_hour(NULL) = %s; want NULL", got)
	}
}

// TestComparisonsAnsweredFromThePreviousBuild: a build whose
// experiment_results must be computed again (here: a new decision prior)
// but whose comparisons have the same streams answers every
// experiment_compare call from the previous build's build_memo, and its
// results equal those of a build that computes every call; a stream that
// changes is analysed again.
func TestComparisonsAnsweredFromThePreviousBuild(t *testing.T) {
	c := loadSectionC(t)
	w := newTestWorkspace(t)
	w.importFiles(writeExperimentFiles(t, sectionCStreams(c, "a", "b"))...)
	res, db := w.build(models.Settings{})
	db.Close()
	if res.Memo.Calls == 0 || res.Memo.Answered != 0 {
		t.Fatalf("first build: %+v; want calls and none answered (no previous build)", res.Memo)
	}
	first := res.Memo.Calls

	s := withDefaults(models.Settings{})
	s.PriorSD = 0.5
	res, db = w.build(s)
	if slices.Contains(res.Reused, "experiment_results") {
		t.Fatal("experiment_results was reused; the new prior must compute it again")
	}
	if res.Memo.Answered != first || res.Memo.Calls != first {
		t.Errorf("same streams, new prior: %+v; want all %d comparisons answered", res.Memo, first)
	}
	got := martContents(t, db, res)["experiment_results"]
	db.Close()

	fresh := filepath.Join(w.dir, "fresh.duckdb")
	full, err := models.Build(context.Background(), models.Options{Workspace: w.dir, Warehouse: fresh, SQL: sqlfiles.FS, Settings: s, NoReuse: true})
	if err != nil {
		t.Fatal(err)
	}
	if full.Memo.Answered != 0 {
		t.Errorf("a build without reuse answered %d comparisons from a memo", full.Memo.Answered)
	}
	fdb, err := models.Open(context.Background(), fresh, w.dir, 0, "", true)
	if err != nil {
		t.Fatal(err)
	}
	defer fdb.Close()
	if want := martContents(t, fdb, full)["experiment_results"]; got != want {
		t.Errorf("experiment_results answered from the memo differ from computed:\n%s\nwant\n%s", got, want)
	}

	// one stream's viewers change: the comparisons reading it are analysed
	// again (every metric divides by viewers or reads the stream)
	ss := sectionCStreams(c, "a", "b")
	ss[0].viewers++
	w.importFiles(writeExperimentFiles(t, ss)...)
	res, db = w.build(s)
	defer db.Close()
	if res.Memo.Answered >= res.Memo.Calls {
		t.Errorf("after a changed stream: %+v; want some comparisons analysed again", res.Memo)
	}
}
