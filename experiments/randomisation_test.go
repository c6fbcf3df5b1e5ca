package experiments

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// randomisationVectors is testdata/randomisation_vectors.json, written by
// testdata/randomisation_vectors.py (statsmodels, scipy, exact enumeration).
type randomisationVectors struct {
	Analyses []struct {
		Name, Method string
		Units        []struct {
			Variant          bool
			Host             string
			M, D, PreM, PreD float64
		}
		LogRatio, SE, Stat, Lift, P, DF float64
		Assignments                     int
		CI                              [2]float64
		GLMLogRatio                     float64 `json:"glm_log_ratio"`
		GLMSEHC0                        float64 `json:"glm_se_hc0"`
		VarianceReduction               float64 `json:"variance_reduction"`
	}
	Plans []struct {
		SE, DF                                 float64
		KA, KB                                 int
		Target, Power, PowerNow, MDE           float64
		StreamsNeeded, StreamsLow, StreamsHigh int
	}
	SRM []struct {
		Counts  []int
		Weights []float64
		P       float64
	} `json:"srm_multinomial"`
	Fieller struct{ DF, T, Low, High float64 } `json:"fieller_t_section_c"`
}

func loadRandomisationVectors(t *testing.T) randomisationVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/randomisation_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v randomisationVectors
	// pre_m/pre_d and power_now etc. use snake case in the file
	b = []byte(replaceKeys(string(b)))
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// replaceKeys maps the generator's snake-case keys to the struct fields.
func replaceKeys(s string) string {
	for _, kv := range [][2]string{{`"pre_m"`, `"PreM"`}, {`"pre_d"`, `"PreD"`}, {`"log_ratio"`, `"LogRatio"`},
		{`"power_now"`, `"PowerNow"`}, {`"streams_needed"`, `"StreamsNeeded"`}, {`"streams_low"`, `"StreamsLow"`},
		{`"streams_high"`, `"StreamsHigh"`}} {
		s = replaceAll(s, kv[0], kv[1])
	}
	return s
}

func replaceAll(s, old, new string) string {
	out := ""
	for {
		i := indexOf(s, old)
		if i < 0 {
			return out + s
		}
		out += s[:i] + new
		s = s[i+len(old):]
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func closeTo(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g; want %.12g (±%g)", what, got, want, tol)
	}
}

// TestAnalyseMatchesReference pins the plain, host-blocked and CUPED
// analyses (estimate, SE, statistic, exact p, inverted interval, df,
// variance reduction) to the generator's independent values to 1e-6.
func TestAnalyseMatchesReference(t *testing.T) {
	v := loadRandomisationVectors(t)
	want := map[string]string{"plain": MethodRandomisation, "blocked": MethodBlocked, "cuped": MethodCUPED}
	for i, c := range v.Analyses {
		var us []Unit
		for _, u := range c.Units {
			us = append(us, Unit{Variant: u.Variant, Host: u.Host, M: u.M, D: u.D, PreM: u.PreM, PreD: u.PreD})
		}
		a := Analyse(us, AnalysisOptions{Alpha: 0.05})
		if a.Reason != OK || a.Method != want[c.Method] || !a.Exact || a.Assignments != c.Assignments {
			t.Fatalf("%s: %+v; want method %s, exact over %d assignments", c.Name, a, want[c.Method], c.Assignments)
		}
		closeTo(t, c.Name+" log ratio", a.LogRatio, c.LogRatio, 1e-6)
		closeTo(t, c.Name+" lift", a.Lift, c.Lift, 1e-6)
		closeTo(t, c.Name+" SE", a.SE, c.SE, 1e-6)
		closeTo(t, c.Name+" stat", a.Stat, c.Stat, 1e-6)
		closeTo(t, c.Name+" p", a.P, c.P, 1e-9)
		closeTo(t, c.Name+" df", a.DF, c.DF, 1e-6)
		closeTo(t, c.Name+" ci low", a.CI.Low, c.CI[0], 1e-6)
		closeTo(t, c.Name+" ci high", a.CI.High, c.CI[1], 1e-6)
		if c.Method == "blocked" {
			closeTo(t, "statsmodels GLM host FE", a.LogRatio, c.GLMLogRatio, 1e-6)
			// HC0 lacks the per-arm k/(k−1) factor (6 streams per arm here)
			closeTo(t, "statsmodels HC0 SE", a.SE*math.Sqrt(5.0/6), c.GLMSEHC0, 1e-6)
			if a.Blocks != 3 {
				t.Errorf("blocks = %d; want 3", a.Blocks)
			}
		}
		if c.Method == "cuped" {
			closeTo(t, "variance reduction", a.VarianceReduction, c.VarianceReduction, 1e-6)
		}
		p := v.Plans[i]
		plan := PlanLog(a, p.KA, p.KB, p.Target, 0.05, p.Power)
		if plan.Reason != OK {
			t.Fatalf("%s plan: %s", c.Name, plan.Reason)
		}
		closeTo(t, c.Name+" power", plan.Power, p.PowerNow, 1e-6)
		closeTo(t, c.Name+" mde", plan.MDE, p.MDE, 1e-6)
		if plan.StreamsNeeded != p.StreamsNeeded || plan.StreamsLow != p.StreamsLow || plan.StreamsHigh != p.StreamsHigh {
			t.Errorf("%s streams needed %d (%d–%d); want %d (%d–%d)", c.Name, plan.StreamsNeeded, plan.StreamsLow,
				plan.StreamsHigh, p.StreamsNeeded, p.StreamsLow, p.StreamsHigh)
		}
	}
}

// TestMultinomialSRMMatchesReference pins the exact multinomial test.
func TestMultinomialSRMMatchesReference(t *testing.T) {
	for _, c := range loadRandomisationVectors(t).SRM {
		r := SRM(c.Counts, c.Weights)
		if r.Reason != OK || !r.HasExact {
			t.Fatalf("%v: %+v", c.Counts, r)
		}
		closeTo(t, "multinomial p", r.ExactP, c.P, 1e-9)
	}
}

// TestFiellerTMatchesReference: Fieller with t at the Welch df.
func TestFiellerTMatchesReference(t *testing.T) {
	v := loadRandomisationVectors(t)
	c := v.Analyses[0]
	var a, b RatioStat
	for _, u := range c.Units {
		s := &a
		if u.Variant {
			s = &b
		}
		s.K++
		s.SumM += u.M
		s.SumD += u.D
		s.SumM2 += u.M * u.M
		s.SumD2 += u.D * u.D
		s.SumMD += u.M * u.D
	}
	r := Ratio(a, b, 0.05)
	if r.FiellerTReason != OK {
		t.Fatal(r.FiellerTReason)
	}
	closeTo(t, "Welch df", r.DF, v.Fieller.DF, 1e-9)
	closeTo(t, "Fieller-t low", r.FiellerT.Low, v.Fieller.Low, 1e-9)
	closeTo(t, "Fieller-t high", r.FiellerT.High, v.Fieller.High, 1e-9)
}

// TestAnalyseDeterministicMonteCarlo: beyond MaxExact the p-value is
// Monte-Carlo with a fixed seed, the same for the same data, and close to
// the exact one.
func TestAnalyseDeterministicMonteCarlo(t *testing.T) {
	v := loadRandomisationVectors(t)
	c := v.Analyses[0]
	var us []Unit
	for _, u := range c.Units {
		us = append(us, Unit{Variant: u.Variant, M: u.M, D: u.D})
	}
	opt := AnalysisOptions{Alpha: 0.05, MaxExact: 100, Samples: 20000, NoInterval: true}
	a1, a2 := Analyse(us, opt), Analyse(us, opt)
	if a1.Exact || a1 != a2 {
		t.Fatalf("Monte-Carlo runs differ or were exact: %+v %+v", a1, a2)
	}
	if math.Abs(a1.P-c.P) > 4*a1.MCSE {
		t.Errorf("Monte-Carlo p %.4f ± %.4f; exact %.4f", a1.P, a1.MCSE, c.P)
	}
}

// TestAnalyseOpenInterval: 2 hosts × 2 + 2 streams give only 36 within-host
// re-assignments, whose smallest p (2/36) is above α, so the analysis does
// not block (it needs max(20, 4/α) = 80) and uses the 70 re-assignments of
// 4 + 4 streams. With 3 + 3 streams (20 re-assignments, p ≥ 0.1) no θ can be
// rejected: the interval is open (−100 % to +∞), not made up, and the
// p-value is still exact.
func TestAnalyseOpenInterval(t *testing.T) {
	rows := []struct {
		v    bool
		h    string
		m, d float64
	}{
		{false, "ana", 2352.8, 50}, {false, "chloe", 560.8, 13}, {false, "ana", 1783.3, 27}, {false, "chloe", 1022.5, 20},
		{true, "ana", 1057.3, 30}, {true, "chloe", 1258.6, 21}, {true, "ana", 1327.2, 34}, {true, "chloe", 602.7, 12},
	}
	var us []Unit
	for _, r := range rows {
		us = append(us, Unit{Variant: r.v, Host: r.h, M: r.m, D: r.d})
	}
	a := Analyse(us, AnalysisOptions{Alpha: 0.05})
	if a.Method != MethodRandomisation || !a.Exact || a.Assignments != 70 {
		t.Fatalf("%+v; want the unblocked exact test over C(8, 4) = 70 assignments", a)
	}
	small := append(append([]Unit{}, us[:3]...), us[4:7]...)
	a = Analyse(small, AnalysisOptions{Alpha: 0.05})
	if !a.Exact || a.Assignments != 20 || a.P < 0.1 {
		t.Fatalf("%+v; want an exact test over 20 assignments", a)
	}
	if a.CIReason != ReasonUnbounded || a.CI.Low != -1 || !math.IsInf(a.CI.High, 1) {
		t.Errorf("interval %+v (%s); want −100 %% to +∞, unbounded", a.CI, a.CIReason)
	}
}
