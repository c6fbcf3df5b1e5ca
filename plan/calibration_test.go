package plan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/postlive/postlive/experiments"
)

// TestPlannedAnalysisCalibration simulates experiments that have no effect:
// the same 22 upcoming streams (oddStreams' first 22) of hosts whose
// revenue per viewer differs fourfold, with weekend streams 30 % stronger,
// planned with a fresh seed each time and analysed the way
// experiment_results analyses a planned experiment (within the plan's
// blocks, experiments.AnalysisOptions.PlanBlocks). The share of p ≤ α must
// be at most α (up to Monte-Carlo error): the re-assignments are the plan's
// own randomisation. The same experiments with a +60 % effect must be
// detected most of the time, or the design would be useless.
func TestPlannedAnalysisCalibration(t *testing.T) {
	ss := oddStreams()[:22]
	level := map[string]float64{"ana": 0.2, "ben": 0.4, "chloe": 0.8, "dev": 0.6}
	const reps, alpha = 400, 0.05
	run := func(effect float64) float64 {
		hits := 0
		for r := 0; r < reps; r++ {
			sch, err := Plan(ss, Options{Variants: []string{"a", "b"}, BlockBy: DefaultBlockBy, Seed: uint64(r + 1), Candidates: 20})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(uint64(r), 99))
			units := make([]experiments.Unit, len(sch.Streams))
			for i, a := range sch.Streams {
				rpv := level[a.Host] * math.Exp(0.35*rng.NormFloat64())
				if a.Weekday == "weekend" {
					rpv *= 1.3
				}
				if a.Variant == "b" {
					rpv *= 1 + effect
				}
				viewers := 800 + 400*rng.Float64()
				units[i] = experiments.Unit{Variant: a.Variant == "b", Host: a.Block, M: rpv * viewers, D: viewers}
			}
			an := experiments.Analyse(units, experiments.AnalysisOptions{Alpha: alpha, PlanBlocks: true, NoInterval: true,
				Samples: 2000, Seed: uint64(r + 1)})
			if an.Reason != experiments.OK || an.Method != experiments.MethodBlocked {
				t.Fatalf("rep %d: %+v; want a blocked analysis", r, an)
			}
			if an.P <= alpha {
				hits++
			}
		}
		return float64(hits) / reps
	}
	fpr := run(0)
	se := math.Sqrt(alpha * (1 - alpha) / reps)
	if fpr > alpha+3*se {
		t.Errorf("false-positive rate %.3f over %d null experiments; want at most %.2f + 3·%.3f", fpr, reps, alpha, se)
	}
	t.Logf("false-positive rate %.3f (± %.3f) over %d null experiments", fpr, se, reps)
	if power := run(0.6); power < 0.5 {
		t.Errorf("power %.3f to detect +60 %% with 11 streams per arm; want more than half", power)
	} else {
		t.Logf("power %.3f to detect +60 %%", power)
	}
}
