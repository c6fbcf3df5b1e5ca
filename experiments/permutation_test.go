package experiments

import (
	"fmt"
	"math"
	"testing"
)

// TestPermutationByHand: two streams per arm, every denominator 1, so the
// statistic is the difference of arm means. A = {1, 2}, B = {3, 4}: observed
// 3.5 − 1.5 = 2. The 6 ways to pick B's two streams from {1, 2, 3, 4}:
//
//	B = {3,4}: +2   B = {1,2}: −2   B = {2,4}: +1
//	B = {1,3}: −1   B = {1,4}:  0   B = {2,3}:  0
//
// Two of six have |statistic| ≥ 2, so p = 1/3.
func TestPermutationByHand(t *testing.T) {
	a := []Stream{{1, 1}, {2, 1}}
	b := []Stream{{3, 1}, {4, 1}}
	r := Permutation(a, b, PermutationOptions{})
	want := PermutationResult{Observed: 2, P: 1.0 / 3, Permutations: 6, Exact: true}
	if r.Reason != OK || r.Permutations != want.Permutations || !r.Exact || r.MCSE != 0 ||
		!close(r.Observed, want.Observed) || !close(r.P, want.P) {
		t.Errorf("Permutation(%v, %v) = %+v; want %+v", a, b, r, want)
	}
}

// TestPermutationRatioByHand: unequal denominators, 2 vs 1 stream (3
// assignments). Streams (M, D): s1 = (1, 1), s2 = (2, 2), s3 = (9, 3).
// A = {s1, s2}, B = {s3}: R_B − R_A = 3 − 1 = 2.
// B = {s1}: 1 − 11/5 = −1.2;  B = {s2}: 1 − 10/4 = −1.5;  B = {s3}: 2.
// Only the observed one reaches |2|: p = 1/3.
func TestPermutationRatioByHand(t *testing.T) {
	a := []Stream{{1, 1}, {2, 2}}
	b := []Stream{{9, 3}}
	r := Permutation(a, b, PermutationOptions{})
	if r.Reason != OK || r.Permutations != 3 || !close(r.Observed, 2) || !close(r.P, 1.0/3) {
		t.Errorf("Permutation(%v, %v) = %+v; want Observed 2, P 1/3, Permutations 3", a, b, r)
	}
}

func TestPermutationExactCounts(t *testing.T) {
	for _, c := range []struct{ ka, kb, want int }{
		{2, 2, 6}, {3, 5, 56}, {6, 6, 924}, {10, 10, 184756},
	} {
		t.Run(fmt.Sprintf("%dv%d", c.ka, c.kb), func(t *testing.T) {
			a, b := make([]Stream, c.ka), make([]Stream, c.kb)
			for i := range a {
				a[i] = Stream{M: float64(i + 1), D: 1}
			}
			for i := range b {
				b[i] = Stream{M: float64(2*i + 3), D: 2}
			}
			r := Permutation(a, b, PermutationOptions{})
			if !r.Exact || r.Permutations != c.want {
				t.Errorf("Permutation(%d vs %d streams) = %d permutations, exact %v; want %d, exact", c.ka, c.kb, r.Permutations, r.Exact, c.want)
			}
			if r.P <= 0 || r.P > 1 {
				t.Errorf("Permutation(%d vs %d streams).P = %v; want in (0, 1]", c.ka, c.kb, r.P)
			}
		})
	}
}

func TestPermutationSectionC(t *testing.T) {
	a, b := sectionCStreams(t, "A"), sectionCStreams(t, "B")
	r := Permutation(a, b, PermutationOptions{})
	// 924 splits of 12 streams; the observed statistic equals Ratio's
	// absolute lift, and the randomisation p lands near the Welch p (0.125).
	if !r.Exact || r.Permutations != 924 {
		t.Fatalf("Permutation(c) = %+v; want exact over 924 splits", r)
	}
	rr := Ratio(ratioStat(a), ratioStat(b), alpha)
	if !close(r.Observed, rr.Absolute.Estimate) {
		t.Errorf("Permutation(c).Observed = %v; want %v", r.Observed, rr.Absolute.Estimate)
	}
	if math.Abs(r.P-rr.Absolute.P) > 0.1 {
		t.Errorf("Permutation(c).P = %v; want near the Welch p %v", r.P, rr.Absolute.P)
	}
}

func TestPermutationMonteCarlo(t *testing.T) {
	// 12 vs 12 streams is above MaxExact: Monte-Carlo with a fixed seed.
	a, b := make([]Stream, 12), make([]Stream, 12)
	for i := range a {
		a[i] = Stream{M: 100 + 7*float64(i%5), D: 50 + float64(i)}
		b[i] = Stream{M: 104 + 7*float64(i%4), D: 50 + float64(i)}
	}
	opts := PermutationOptions{Samples: 4000, Seed: 7}
	r := Permutation(a, b, opts)
	if r.Exact || r.Permutations != 4000 || r.Reason != OK {
		t.Fatalf("Permutation(12 vs 12) = %+v; want Monte-Carlo over 4000 samples", r)
	}
	if want := math.Sqrt(r.P * (1 - r.P) / 4000); !close(r.MCSE, want) {
		t.Errorf("Permutation(12 vs 12).MCSE = %v; want %v", r.MCSE, want)
	}
	if again := Permutation(a, b, opts); again != r {
		t.Errorf("Permutation is not reproducible: %+v then %+v", r, again)
	}
	// The same data enumerated exactly (C(24,12) = 2,704,156 splits) must
	// agree with the Monte-Carlo estimate within a few standard errors.
	exact := Permutation(a, b, PermutationOptions{MaxExact: 12})
	if !exact.Exact {
		t.Fatalf("Permutation(MaxExact 12) not exact: %+v", exact)
	}
	if math.Abs(exact.P-r.P) > 4*r.MCSE+1e-3 {
		t.Errorf("Monte-Carlo P = %v ± %v; exact P = %v", r.P, r.MCSE, exact.P)
	}
}

func TestPermutationReasons(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b []Stream
		want Reason
	}{
		{"empty_arm", nil, []Stream{{1, 1}, {2, 1}}, ReasonTooFewStreams},
		{"one_each", []Stream{{1, 1}}, []Stream{{2, 1}}, ReasonTooFewStreams},
		{"negative_denominator", []Stream{{1, -1}, {1, 1}}, []Stream{{2, 1}}, ReasonInvalidInput},
		{"nan", []Stream{{math.NaN(), 1}, {1, 1}}, []Stream{{2, 1}}, ReasonInvalidInput},
		{"zero_denominator", []Stream{{1, 1}, {1, 1}}, []Stream{{0, 0}, {0, 0}}, ReasonZeroDenominator},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Permutation(c.a, c.b, PermutationOptions{})
			if r.Reason != c.want {
				t.Errorf("Permutation(%v, %v).Reason = %q; want %q", c.a, c.b, r.Reason, c.want)
			}
			assertFinite(t, "Permutation", r)
		})
	}
}
