package experiments

import (
	"math"
	"sort"
)

// The adjustments below take the raw p-values of one family (an experiment's
// metrics × variants) and return the adjusted ones in the same order. A NaN
// p-value is treated as 1 and values are clamped to [0, 1], so the result
// never holds NaN.

func cleanP(p []float64) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		switch {
		case math.IsNaN(v) || v > 1:
			out[i] = 1
		case v < 0:
			out[i] = 0
		default:
			out[i] = v
		}
	}
	return out
}

// order returns the indexes of p sorted by increasing p (stable).
func order(p []float64) []int {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	return idx
}

// Bonferroni returns min(1, m·p) for each of the m p-values.
func Bonferroni(p []float64) []float64 {
	out := cleanP(p)
	m := float64(len(out))
	for i := range out {
		out[i] = math.Min(1, m*out[i])
	}
	return out
}

// Holm returns Holm's step-down adjusted p-values (family-wise error rate):
// for the sorted p_(1) ≤ … ≤ p_(m), max over j ≤ i of (m − j + 1)·p_(j),
// capped at 1.
func Holm(p []float64) []float64 {
	q := cleanP(p)
	out := make([]float64, len(q))
	m := len(q)
	run := 0.0
	for rank, i := range order(q) {
		run = math.Max(run, math.Min(1, float64(m-rank)*q[i]))
		out[i] = run
	}
	return out
}

// BenjaminiHochberg returns the Benjamini–Hochberg adjusted p-values (false
// discovery rate): for the sorted p_(1) ≤ … ≤ p_(m), min over j ≥ i of
// m/j·p_(j), capped at 1.
func BenjaminiHochberg(p []float64) []float64 {
	q := cleanP(p)
	out := make([]float64, len(q))
	m := len(q)
	idx := order(q)
	run := 1.0
	for rank := m - 1; rank >= 0; rank-- {
		i := idx[rank]
		run = math.Min(run, float64(m)/float64(rank+1)*q[i])
		out[i] = run
	}
	return out
}
