package experiments

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

type decisionVectors struct {
	Decide []struct {
		LogRatio  float64 `json:"log_ratio"`
		SE        float64 `json:"se"`
		PriorMean float64 `json:"prior_mean"`
		PriorSD   float64 `json:"prior_sd"`
		Alpha     float64 `json:"alpha"`
		PostMean  float64 `json:"post_mean"`
		PostSD    float64 `json:"post_sd"`
		Chance    float64 `json:"chance"`
		Lift      float64 `json:"lift"`
		Low       float64 `json:"low"`
		High      float64 `json:"high"`
		LossV     float64 `json:"loss_variant"`
		LossC     float64 `json:"loss_control"`
	} `json:"decide"`
	Priors []struct {
		Name           string  `json:"name"`
		DefaultSD      float64 `json:"default_sd"`
		MinExperiments int     `json:"min_experiments"`
		Estimates      []struct {
			Experiment string  `json:"experiment"`
			LogRatio   float64 `json:"log_ratio"`
			SE         float64 `json:"se"`
		} `json:"estimates"`
		Prior struct {
			Source      string  `json:"source"`
			Mean        float64 `json:"mean"`
			SD          float64 `json:"sd"`
			Experiments int     `json:"experiments"`
			Tau2        float64 `json:"tau2"`
			MuHat       float64 `json:"mu_hat"`
		} `json:"prior"`
	} `json:"priors"`
}

func loadDecisionVectors(t *testing.T) decisionVectors {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "decision_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v decisionVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Decide) == 0 || len(v.Priors) == 0 {
		t.Fatal("decision_vectors.json has no cases")
	}
	return v
}

// TestDecideVectors pins Decide to scipy's numeric integration of prior ×
// likelihood (decision_vectors.py), to 1e-6.
func TestDecideVectors(t *testing.T) {
	const tol = 1e-6
	for _, c := range loadDecisionVectors(t).Decide {
		d := Decide(c.LogRatio, c.SE, Prior{Mean: c.PriorMean, SD: c.PriorSD}, c.Alpha)
		if d.Reason != OK {
			t.Fatalf("Decide(%v, %v, N(%v, %v²)) reason %q", c.LogRatio, c.SE, c.PriorMean, c.PriorSD, d.Reason)
		}
		for _, f := range []struct {
			name      string
			got, want float64
		}{
			{"post_mean", d.PostMean, c.PostMean}, {"post_sd", d.PostSD, c.PostSD}, {"chance", d.Chance, c.Chance},
			{"lift", d.Lift, c.Lift}, {"low", d.Low, c.Low}, {"high", d.High, c.High},
			{"loss_variant", d.LossVariant, c.LossV}, {"loss_control", d.LossControl, c.LossC},
		} {
			if math.Abs(f.got-f.want) > tol {
				t.Errorf("Decide(%v, %v, N(%v, %v²)).%s = %.10g; want %.10g (scipy quad)",
					c.LogRatio, c.SE, c.PriorMean, c.PriorSD, f.name, f.got, f.want)
			}
		}
	}
}

// TestEmpiricalPriorVectors pins EmpiricalPrior to the numpy method of
// moments of decision_vectors.py, to 1e-9.
func TestEmpiricalPriorVectors(t *testing.T) {
	const tol = 1e-9
	for _, c := range loadDecisionVectors(t).Priors {
		t.Run(c.Name, func(t *testing.T) {
			var est []Estimate
			for _, e := range c.Estimates {
				est = append(est, Estimate{Experiment: e.Experiment, LogRatio: e.LogRatio, SE: e.SE})
			}
			p := EmpiricalPrior(est, PriorOptions{DefaultSD: c.DefaultSD, MinExperiments: c.MinExperiments})
			w := c.Prior
			if p.Source != w.Source || p.Experiments != w.Experiments {
				t.Fatalf("EmpiricalPrior = %s on %d experiments; want %s on %d", p.Source, p.Experiments, w.Source, w.Experiments)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{{"mean", p.Mean, w.Mean}, {"sd", p.SD, w.SD}, {"tau2", p.Tau2, w.Tau2}, {"mu_hat", p.MuHat, w.MuHat}} {
				if math.Abs(f.got-f.want) > tol {
					t.Errorf("EmpiricalPrior.%s = %.12g; want %.12g", f.name, f.got, f.want)
				}
			}
		})
	}
}

// TestDecideInvariants: swapping the arms turns the chance into its
// complement and swaps the losses in units of the other arm; a flat-ish
// prior reproduces the normal tail of the estimate.
func TestDecideInvariants(t *testing.T) {
	p := Prior{SD: 0.3}
	for _, y := range []float64{-0.8, -0.1, 0, 0.2, 0.5} {
		a, b := Decide(y, 0.2, p, 0.05), Decide(-y, 0.2, p, 0.05)
		if math.Abs(a.Chance+b.Chance-1) > 1e-12 {
			t.Errorf("chance(%v) + chance(%v) = %v; want 1", y, -y, a.Chance+b.Chance)
		}
		// E[max(0, 1 − θ)] of one side equals E[θ·max(0, 1 − 1/θ)] of the
		// other: a loss relative to the other control is the same loss.
		if a.LossVariant > a.LossControl != (y < 0) && y != 0 {
			t.Errorf("y = %v: loss of switching %v, of keeping %v", y, a.LossVariant, a.LossControl)
		}
		if math.Abs(a.LossControl-a.LossVariant-a.Lift) > 1e-12 {
			t.Errorf("y = %v: loss_control − loss_variant = %v; want the mean lift %v", y, a.LossControl-a.LossVariant, a.Lift)
		}
		if a.Low < -1 || a.Low > a.High {
			t.Errorf("y = %v: credible interval %v to %v", y, a.Low, a.High)
		}
	}
	flat := Decide(0.3, 0.2, Prior{SD: 1e6}, 0.05)
	if want := 0.9331927987311419; math.Abs(flat.Chance-want) > 1e-9 { // Φ(1.5)
		t.Errorf("flat prior chance = %v; want Φ(1.5) = %v", flat.Chance, want)
	}
}

// TestDecideReasons: bad input is a reason, never NaN.
func TestDecideReasons(t *testing.T) {
	for _, c := range []struct {
		y, se, sd, alpha float64
		want             Reason
	}{
		{0.1, 0, 0.3, 0.05, ReasonInvalidInput},
		{math.NaN(), 0.2, 0.3, 0.05, ReasonInvalidInput},
		{0.1, 0.2, 0, 0.05, ReasonInvalidInput},
		{0.1, 0.2, 0.3, 1, ReasonInvalidInput},
		{800, 0.01, 1e6, 0.05, ReasonNonFinite},
	} {
		if d := Decide(c.y, c.se, Prior{SD: c.sd}, c.alpha); d.Reason != c.want || d.Chance != 0 {
			t.Errorf("Decide(%v, %v, sd %v, α %v) = %+v; want reason %q", c.y, c.se, c.sd, c.alpha, d, c.want)
		}
	}
}

func TestAdvice(t *testing.T) {
	base := AdviceInput{Variant: "30off", Control: "20off", Valid: true, LossVariant: "$0.12", LossControl: "$0.01",
		Unit: "viewer", LossVariantPerStream: "$540", LossControlPerStream: "$45", MoreStreams: 9}
	for _, c := range []struct {
		name string
		edit func(*AdviceInput)
		want string
	}{
		{"lean worse", func(a *AdviceInput) { a.Chance = 0.18 },
			"Keep 20off — 30off is 82 % likely to be worse, about $0.12 per viewer ($540 per stream) lost if you switch; about 9 more streams per arm would settle it."},
		{"clear loss", func(a *AdviceInput) { a.Chance = 0.02 },
			"Keep 20off — 30off is 98 % likely to be worse, about $0.12 per viewer ($540 per stream) lost if you switch."},
		{"clear win", func(a *AdviceInput) { a.Chance = 0.999 },
			"Switch to 30off — it is > 99 % likely to beat 20off, about $0.01 per viewer ($45 per stream) lost if you keep 20off."},
		{"lean better", func(a *AdviceInput) { a.Chance = 0.7; a.MoreStreams = 1; a.Unit, a.LossVariantPerStream = "", "" },
			"No clear winner yet — 30off is 70 % likely to beat 20off, about $0.12 lost if you switch and it is not; about 1 more stream per arm would settle it."},
		{"toss-up", func(a *AdviceInput) { a.Chance = 0.49 },
			"Too close to call — 30off is 49 % likely to beat 20off, about $0.12 per viewer ($540 per stream) lost if you switch and it is not; about 9 more streams per arm would settle it."},
		{"streams bound nothing", func(a *AdviceInput) { a.Chance = 0.5; a.Unbounded = true },
			"Not enough data to choose between 20off and 30off yet: the streams so far cannot bound the difference; about 9 more streams per arm would settle it."},
		{"not enough data", func(a *AdviceInput) { a.Valid = false; a.Reason = ReasonTooFewStreams },
			"Not enough data to choose between 20off and 30off yet: an arm has fewer than two streams."},
	} {
		a := base
		c.edit(&a)
		if got := Advice(a); got != c.want {
			t.Errorf("%s: Advice = %q; want %q", c.name, got, c.want)
		}
	}
}

// TestIntervalSE: a symmetric log interval gives back its SE; an open side
// gives +Inf, and Decide then returns the prior's own figures.
func TestIntervalSE(t *testing.T) {
	z := 1.959963984540054
	se := IntervalSE(math.Exp(0.1-z*0.2)-1, math.Exp(0.1+z*0.2)-1, 0.05)
	if math.Abs(se-0.2) > 1e-12 {
		t.Errorf("IntervalSE = %v; want 0.2", se)
	}
	for _, c := range [][2]float64{{-1, 0.5}, {-0.2, math.Inf(1)}, {0.3, 0.1}, {math.NaN(), 0.2}} {
		if got := IntervalSE(c[0], c[1], 0.05); !math.IsInf(got, 1) {
			t.Errorf("IntervalSE(%v, %v) = %v; want +Inf", c[0], c[1], got)
		}
	}
	d := Decide(0.4, math.Inf(1), Prior{Mean: 0.1, SD: 0.3}, 0.05)
	// prior only: Φ(0.1/0.3), E[e^δ] − 1 = e^(0.1 + 0.045) − 1
	if math.Abs(d.Chance-0.6305586598182363) > 1e-12 || math.Abs(d.Lift-(math.Exp(0.145)-1)) > 1e-12 || d.PostSD != 0.3 {
		t.Errorf("Decide with se +Inf = %+v; want the prior N(0.1, 0.3²)", d)
	}
}
