package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// decisionRates simulates sims experiments with draw and reads each as
// experiment_results does — the default analysis (Analyse: blocking or CUPED
// as it chooses), its interval's spread (IntervalSE) and Decide under the
// default prior N(0, sd²): the share whose chance to beat control
// is at least DecisionLevel ("switch": a clear win) and at most
// 1 − DecisionLevel (a clear loss), over the experiments with a result.
func decisionRates(sims int, seed uint64, sd float64, draw func(w *simWorld) []Unit) (win, loss float64, n int) {
	w := &simWorld{rng: rand.New(rand.NewPCG(seed, 9)), valueSigma: 1}
	// the decision reads the estimate and the interval, not the p-value:
	// one draw for it; 999 per evaluation of the inverted test
	opt := AnalysisOptions{Alpha: 0.05, MaxExact: 2000, Samples: 1, IntervalSamples: 999}
	var nw, nl int
	for s := 0; s < sims; s++ {
		a := Analyse(draw(w), opt)
		if a.Reason != OK {
			continue
		}
		d := Decide(a.LogRatio, IntervalSE(a.CI.Low, a.CI.High, 0.05), Prior{SD: sd, Source: PriorDefault}, 0.05)
		if d.Reason != OK {
			continue
		}
		n++
		switch {
		case d.Chance >= DecisionLevel:
			nw++
		case d.Chance <= 1-DecisionLevel:
			nl++
		}
	}
	return float64(nw) / float64(n), float64(nl) / float64(n), n
}

// TestDecisionCalibrationQuick is the small version in make test: 400 null
// experiments of 5 vs 5 streams (hosts 10× apart, with history): "switch"
// (chance to beat control ≥ 95 %) for a variant that is no better must stay
// within 5 % + 2 Monte-Carlo standard errors.
func TestDecisionCalibrationQuick(t *testing.T) {
	win, _, n := decisionRates(400, 3, 0.3, func(w *simWorld) []Unit { return w.unblockedDesign(5, 5, 1) })
	if bound := 0.05 + 2*math.Sqrt(0.05*0.95/float64(n)); win > bound {
		t.Errorf("5v5 null: %.3f of %d said switch; want ≤ %.3f", win, n, bound)
	}
}

// TestDecisionCalibration is the full simulation behind -calibration
// (docs/statistics.md § The decision in plain words, BENCHMARKS.md): how
// often "switch" picks a variant that is no better, how often it calls a
// clear loss under the null, and how often it says switch at +30 %.
func TestDecisionCalibration(t *testing.T) {
	if !*calibration {
		t.Skip("run with -calibration")
	}
	const sims = 2000
	fmt.Printf("| design | experiments | null: says switch (chance ≥ 95 %%) | null: says clear loss | +30 %% RPV: says switch | bound 5 %% + 2 MCSE |\n|---|---|---|---|---|---|\n")
	for _, c := range []struct {
		name   string
		design func(effect float64) func(w *simWorld) []Unit
	}{
		{"5 vs 5, hosts drawn from 8 with history", func(e float64) func(w *simWorld) []Unit {
			return func(w *simWorld) []Unit { return w.unblockedDesign(5, 5, e) }
		}},
		{"10 vs 10, hosts drawn from 8 with history", func(e float64) func(w *simWorld) []Unit {
			return func(w *simWorld) []Unit { return w.unblockedDesign(10, 10, e) }
		}},
		{"20 vs 20, hosts drawn from 8 with history", func(e float64) func(w *simWorld) []Unit {
			return func(w *simWorld) []Unit { return w.unblockedDesign(20, 20, e) }
		}},
		{"30 vs 30, hosts drawn from 8 with history", func(e float64) func(w *simWorld) []Unit {
			return func(w *simWorld) []Unit { return w.unblockedDesign(30, 30, e) }
		}},
		{"9 vs 2", func(e float64) func(w *simWorld) []Unit {
			return func(w *simWorld) []Unit { return w.unblockedDesign(9, 2, e) }
		}},
		{"3 hosts × 2 streams per arm each (blocked)", func(e float64) func(w *simWorld) []Unit {
			return func(w *simWorld) []Unit { return w.hostDesign(3, 2, e) }
		}},
		{"3 hosts × 5 streams per arm each (blocked)", func(e float64) func(w *simWorld) []Unit {
			return func(w *simWorld) []Unit { return w.hostDesign(3, 5, e) }
		}},
	} {
		win, loss, n := decisionRates(sims, 31, 0.3, c.design(1))
		power, _, _ := decisionRates(sims, 32, 0.3, c.design(1.3))
		bound := 0.05 + 2*math.Sqrt(0.05*0.95/float64(n))
		fmt.Printf("| %s | %d | %.3f | %.3f | %.3f | %.3f |\n", c.name, n, win, loss, power, bound)
		if win > bound {
			t.Errorf("%s null: %.3f said switch > %.3f", c.name, win, bound)
		}
	}
}
