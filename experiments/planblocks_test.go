package experiments

import (
	"math"
	"testing"
)

// TestPlanBlocksRerandomiseWithinThePlansBlocks: with PlanBlocks the
// analysis is blocked on the units' blocks even when Analyse would not
// choose blocking (here C(4,2)·C(2,1)·C(2,1) = 24 < 80 re-assignments), and its
// exact p-value is the share of the within-block re-assignments, counted
// here by brute force over every assignment of the streams, keeping only
// those that keep each block's number of variant streams.
func TestPlanBlocksRerandomiseWithinThePlansBlocks(t *testing.T) {
	units := []Unit{
		{Variant: false, Host: "ana · weekday", M: 310, D: 1000},
		{Variant: true, Host: "ana · weekday", M: 420, D: 1100},
		{Variant: false, Host: "ana · weekday", M: 250, D: 900},
		{Variant: true, Host: "ana · weekday", M: 390, D: 1200},
		{Variant: false, Host: "ben · weekday", M: 70, D: 500},
		{Variant: true, Host: "ben · weekday", M: 90, D: 450},
		{Variant: true, Host: "ben · weekend", M: 85, D: 520},
		{Variant: false, Host: "ben · weekend", M: 60, D: 480},
	}
	free := Analyse(units, AnalysisOptions{Alpha: 0.05})
	if free.Method == MethodBlocked {
		t.Fatalf("without a plan the design should not be blocked (%s)", free.Method)
	}
	an := Analyse(units, AnalysisOptions{Alpha: 0.05, PlanBlocks: true})
	if an.Reason != OK || an.Method != MethodBlocked || an.Blocks != 3 || !an.Exact {
		t.Fatalf("Analyse with PlanBlocks: %+v; want an exact blocked analysis over 3 blocks", an)
	}
	if an.Assignments != 6*2*2 {
		t.Errorf("assignments %d; want C(4,2)·C(2,1)·C(2,1) = 24", an.Assignments)
	}

	// brute force: every subset of the 8 streams as the variant arm
	d, _ := blocked(units, 0.05, true)
	obs := d.stat(nil, nil)
	count, total := 0, 0
	for mask := 0; mask < 1<<len(units); mask++ {
		tr := make([]bool, len(units))
		perBlock := map[string]int{}
		want := map[string]int{}
		for i, u := range units {
			tr[i] = mask&(1<<i) != 0
			if tr[i] {
				perBlock[u.Host]++
			}
			if u.Variant {
				want[u.Host]++
			}
		}
		same := len(perBlock) == len(want)
		for h, n := range want {
			same = same && perBlock[h] == n
		}
		if !same {
			continue
		}
		total++
		// the design's streams are in units' order (all blocks used)
		if s := d.stat(nil, tr); s.ok && math.Abs(s.t) >= math.Abs(obs.t)-1e-9 {
			count++
		}
	}
	if total != an.Assignments {
		t.Fatalf("brute force found %d within-block assignments; Analyse %d", total, an.Assignments)
	}
	if p := float64(count) / float64(total); math.Abs(p-an.P) > 1e-12 {
		t.Errorf("p = %.6f; brute force over the plan's blocks %d/%d = %.6f", an.P, count, total, p)
	}
}
