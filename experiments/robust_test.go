package experiments

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStatNeverNaN feeds random and extreme sufficient statistics to every
// method: no panic, no NaN or Inf in any result.
func TestStatNeverNaN(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	special := []float64{0, -1, 1, 1e-300, 1e300, -1e300, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.NaN(), math.Inf(1), math.Inf(-1)}
	pick := func() float64 {
		if rng.IntN(3) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-4))
	}
	ks := []int{-1, 0, 1, 2, 3, 6, 40}
	ratio := func() RatioStat {
		return RatioStat{K: ks[rng.IntN(len(ks))], SumM: pick(), SumD: pick(), SumM2: math.Abs(pick()),
			SumD2: math.Abs(pick()), SumMD: pick()}
	}
	for i := 0; i < 3000; i++ {
		a, b := ratio(), ratio()
		alpha := []float64{0.05, 0, 1, math.NaN(), 0.2}[rng.IntN(5)]
		assertFinite(t, "Ratio", Ratio(a, b, alpha))
		assertFinite(t, "PlanRatio", PlanRatio(a, b, pick(), alpha, 0.8))
		ma := MeanStat{N: ks[rng.IntN(len(ks))], Sum: pick(), Sum2: math.Abs(pick())}
		mb := MeanStat{N: ks[rng.IntN(len(ks))], Sum: pick(), Sum2: math.Abs(pick())}
		assertFinite(t, "Welch", Welch(ma, mb, alpha))
		assertFinite(t, "Student", Student(ma, mb, alpha))
		pa := ProportionStat{Successes: rng.IntN(5), Trials: rng.IntN(8)}
		pb := ProportionStat{Successes: rng.IntN(5), Trials: rng.IntN(8)}
		assertFinite(t, "TwoProportion", TwoProportion(pa, pb, alpha))
		assertFinite(t, "ConfidenceSequence", ConfidenceSequence(pick(), pick(), pick(), pick(), alpha))
		assertFinite(t, "Holm", Holm([]float64{pick(), pick(), pick()}))
		assertFinite(t, "BenjaminiHochberg", BenjaminiHochberg([]float64{pick(), pick(), pick()}))
		if t.Failed() {
			t.Fatalf("inputs: %+v %+v alpha %v", a, b, alpha)
		}
	}
	for i := 0; i < 300; i++ {
		n := rng.IntN(5)
		a, b := make([]Stream, n), make([]Stream, 1+rng.IntN(4))
		for j := range a {
			a[j] = Stream{M: pick(), D: math.Abs(pick())}
		}
		for j := range b {
			b[j] = Stream{M: pick(), D: math.Abs(pick())}
		}
		assertFinite(t, "Permutation", Permutation(a, b, PermutationOptions{}))
		assertFinite(t, "SRM", SRM([]int{rng.IntN(30), rng.IntN(30)}, []float64{math.Abs(pick()), 1}))
	}
}
