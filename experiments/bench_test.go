package experiments

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks of the statistics the build calls once per experiment, metric
// and variant (through DuckDB functions).
//
//	go test ./experiments -run '^$' -bench . -benchmem

var sinkF float64

func BenchmarkWelch(b *testing.B) {
	a := MeanStat{N: 8, Sum: 4.2, Sum2: 2.61}
	v := MeanStat{N: 8, Sum: 5.1, Sum2: 3.74}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkF += Welch(a, v, 0.05).Relative.P
	}
}

func BenchmarkTwoProportion(b *testing.B) {
	a := ProportionStat{Successes: 120, Trials: 2400}
	v := ProportionStat{Successes: 151, Trials: 2380}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkF += TwoProportion(a, v, 0.05).P
	}
}

// BenchmarkRatio: the delta-method ratio test with the Fieller interval,
// from per-arm sums of M, D, M², D², M·D over 6 streams each.
func BenchmarkRatio(b *testing.B) {
	a := ratioStat([]Stream{{2352.8, 4542}, {1057.3, 4120}, {1327.2, 5520}, {1783.3, 4778}, {276, 2160}, {272, 1716}})
	v := ratioStat([]Stream{{826.4, 1342}, {713.15, 1046}, {753.1, 1010}, {635.2, 1203}, {560.8, 534}, {1258.6, 646}})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkF += Ratio(a, v, 0.05).Relative.P
	}
}

// BenchmarkPermutation: the exact test enumerates C(k_A+k_B, k_B)
// re-assignments (6 vs 6: 924; 10 vs 10: 184,756); above 10 streams per arm
// it draws 10,000 random ones.
func BenchmarkPermutation(b *testing.B) {
	for _, k := range []int{6, 10, 20} {
		a, v := make([]Stream, k), make([]Stream, k)
		for i := range a {
			a[i] = Stream{M: float64(100 + 7*i), D: float64(900 + 13*i)}
			v[i] = Stream{M: float64(120 + 5*i), D: float64(880 + 17*i)}
		}
		b.Run(fmt.Sprintf("%dv%d", k, k), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sinkF += Permutation(a, v, PermutationOptions{}).P
			}
		})
	}
}

// analyseUnits is a 30 vs 30 experiment (Monte-Carlo beyond 50 000
// assignments) from hosts drawn from 8, with history.
func analyseUnits(blockedHosts bool) []Unit {
	w := &simWorld{rng: rand.New(rand.NewPCG(3, 7)), valueSigma: 1}
	if blockedHosts {
		return w.hostDesign(5, 3, 1)
	}
	return w.unblockedDesign(30, 30, 1)
}

// BenchmarkAnalyse30v30 is one comparison with the defaults: 190 000 draws
// for the p-value, the interval inverted with 10 000 draws per step.
func BenchmarkAnalyse30v30(b *testing.B) {
	us := analyseUnits(false)
	for i := 0; i < b.N; i++ {
		Analyse(us, AnalysisOptions{Alpha: 0.05, NoBlocking: true})
	}
}

// BenchmarkAnalyseBlocked is 5 hosts × 3 + 3 streams, blocked (C(6,3)⁵ =
// 3.2 million assignments: Monte-Carlo).
func BenchmarkAnalyseBlocked(b *testing.B) {
	us := analyseUnits(true)
	for i := 0; i < b.N; i++ {
		Analyse(us, AnalysisOptions{Alpha: 0.05})
	}
}
