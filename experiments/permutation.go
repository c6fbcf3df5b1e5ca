package experiments

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Stream is one unit of a ratio metric: its numerator M (revenue, orders,
// clicks) and denominator D (viewers, clicks, orders).
type Stream struct {
	M, D float64
}

// PermutationOptions tunes Permutation. The zero value gives the defaults.
type PermutationOptions struct {
	// MaxExact is the largest number of streams per arm for which every
	// re-assignment is enumerated (default 10). Above it Permutation draws
	// random re-assignments.
	MaxExact int
	// Samples is the number of random re-assignments (default 10000).
	Samples int
	// Seed seeds the random re-assignments (default 1), so a result is
	// reproducible.
	Seed uint64
}

// PermutationResult is the outcome of a randomisation test.
type PermutationResult struct {
	// Observed is the test statistic on the real assignment: R_B − R_A,
	// the difference of the arm ratios ΣM/ΣD.
	Observed float64
	// P is the two-sided p-value: the share of re-assignments whose
	// |R_B − R_A| is at least the observed one. Exact: count/Permutations.
	// Monte-Carlo: (count+1)/(Permutations+1), which includes the observed
	// assignment and is never 0.
	P float64
	// Permutations is the number of re-assignments evaluated: C(k_A+k_B, k_B)
	// when Exact, else Samples.
	Permutations int
	// Exact is true when every re-assignment was enumerated.
	Exact bool
	// MCSE is the Monte-Carlo standard error √(P(1−P)/Permutations) of P; 0
	// when Exact.
	MCSE float64
	// Reason is non-empty when the test could not be run.
	Reason Reason
}

// Permutation is the earlier, unstudentised randomisation test, kept for
// comparison; experiment_results decides with Analyse (the studentised log
// ratio, host blocks, CUPED). It runs the two-sided test of "the variant
// changed nothing": under that null hypothesis every split of the k_A + k_B streams
// into arms of the observed sizes was equally likely, so the p-value is the
// share of splits whose statistic |R_B − R_A| is at least as large as the
// observed one. Splits that give an arm a zero denominator are skipped. It
// needs no normal approximation, which is why postlive runs it when an arm
// has few streams. It enumerates every split when both arms have at most
// opts.MaxExact streams, otherwise it draws opts.Samples random splits with a
// fixed seed.
func Permutation(a, b []Stream, opts PermutationOptions) PermutationResult {
	if opts.MaxExact <= 0 {
		opts.MaxExact = 10
	}
	if opts.Samples <= 0 {
		opts.Samples = 10000
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	all := make([]Stream, 0, len(a)+len(b))
	all = append(append(all, a...), b...)
	var totM, totD float64
	for _, s := range all {
		if !finite(s.M, s.D) || s.D < 0 {
			return PermutationResult{Reason: ReasonInvalidInput}
		}
		totM += s.M
		totD += s.D
	}
	if len(a) < 1 || len(b) < 1 {
		return PermutationResult{Reason: ReasonTooFewStreams}
	}
	if len(a) < 2 && len(b) < 2 {
		// One stream per arm: only two splits, p = 1 whatever happened.
		return PermutationResult{Reason: ReasonTooFewStreams}
	}
	// stat returns R_B − R_A for an arm B with sums (mb, db).
	stat := func(mb, db float64) (float64, bool) {
		da := totD - db
		if db == 0 || da == 0 {
			return 0, false
		}
		return mb/db - (totM-mb)/da, true
	}
	var mb, db float64
	for _, s := range b {
		mb += s.M
		db += s.D
	}
	obs, ok := stat(mb, db)
	if !ok {
		return PermutationResult{Reason: ReasonZeroDenominator}
	}
	// Statistics equal up to rounding count as ties.
	thr := math.Abs(obs) - 1e-9*math.Max(math.Abs(obs), math.Abs(totM/totD))
	if !finite(totM, totD, obs, thr) {
		return PermutationResult{Reason: ReasonNonFinite}
	}
	n, kb := len(all), len(b)

	if len(a) <= opts.MaxExact && len(b) <= opts.MaxExact && n <= 62 {
		count, total := 0, 0
		// Gosper's hack: every n-bit mask with kb bits set, bit i = stream i in B.
		last := uint64(1)<<uint(n) - 1
		for mask := uint64(1)<<uint(kb) - 1; mask <= last; {
			var m, d float64
			for rest := mask; rest != 0; rest &= rest - 1 {
				s := all[bits.TrailingZeros64(rest)]
				m += s.M
				d += s.D
			}
			if st, ok := stat(m, d); ok {
				total++
				if math.Abs(st) >= thr {
					count++
				}
			}
			c := mask & -mask
			r := mask + c
			if r > last || r == 0 {
				break
			}
			mask = (((r ^ mask) >> 2) / c) | r
		}
		if total == 0 {
			return PermutationResult{Reason: ReasonZeroDenominator}
		}
		return PermutationResult{Observed: obs, P: float64(count) / float64(total), Permutations: total, Exact: true}
	}

	rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	count, total := 0, 0
	for i := 0; i < opts.Samples; i++ {
		rng.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		var m, d float64
		for _, j := range idx[:kb] {
			m += all[j].M
			d += all[j].D
		}
		if st, ok := stat(m, d); ok {
			total++
			if math.Abs(st) >= thr {
				count++
			}
		}
	}
	if total == 0 {
		return PermutationResult{Reason: ReasonZeroDenominator}
	}
	p := float64(count+1) / float64(total+1)
	return PermutationResult{
		Observed: obs, P: p, Permutations: total,
		MCSE: math.Sqrt(p * (1 - p) / float64(total)),
	}
}
