package experiments

import (
	"fmt"
	"testing"
)

func TestRatioInvariants(t *testing.T) {
	a, b := sectionCStreams(t, "A"), sectionCStreams(t, "B")
	sa, sb := ratioStat(a), ratioStat(b)
	base := Ratio(sa, sb, alpha)

	t.Run("swap_arms_flips_absolute_lift", func(t *testing.T) {
		sw := Ratio(sb, sa, alpha)
		runChecks(t, fmt.Sprintf("Ratio(%v, %v)", sb, sa), []check{
			{"lift_abs", sw.Absolute.Estimate, -base.Absolute.Estimate},
			{"ci_low", sw.Absolute.CI.Low, -base.Absolute.CI.High},
			{"ci_high", sw.Absolute.CI.High, -base.Absolute.CI.Low},
			{"p_abs", sw.Absolute.P, base.Absolute.P},
			{"df", sw.DF, base.DF},
			// The relative lift of A over B is 1/(1+L) − 1.
			{"lift_rel", sw.Relative.Estimate, 1/(1+base.Relative.Estimate) - 1},
		})
		if sw.Absolute.Estimate*base.Absolute.Estimate >= 0 {
			t.Errorf("swapped lift %v has the sign of %v; want the opposite", sw.Absolute.Estimate, base.Absolute.Estimate)
		}
		pa := Permutation(a, b, PermutationOptions{})
		pb := Permutation(b, a, PermutationOptions{})
		runChecks(t, "Permutation swapped", []check{
			{"observed", pb.Observed, -pa.Observed},
			{"p", pb.P, pa.P},
		})
	})

	for _, c := range []float64{0.01, 3, 1e4} {
		t.Run(fmt.Sprintf("scale_revenue_%g", c), func(t *testing.T) {
			scale := func(ss []Stream) []Stream {
				out := make([]Stream, len(ss))
				for i, s := range ss {
					out[i] = Stream{M: s.M * c, D: s.D}
				}
				return out
			}
			ca, cb := scale(a), scale(b)
			r := Ratio(ratioStat(ca), ratioStat(cb), alpha)
			call := fmt.Sprintf("Ratio(revenue × %g)", c)
			runChecks(t, call, []check{
				{"lift_rel", r.Relative.Estimate, base.Relative.Estimate},
				{"p_rel", r.Relative.P, base.Relative.P},
				{"ci_low", r.Relative.CI.Low, base.Relative.CI.Low},
				{"ci_high", r.Relative.CI.High, base.Relative.CI.High},
				{"p_abs", r.Absolute.P, base.Absolute.P},
				{"lift_abs", r.Absolute.Estimate, c * base.Absolute.Estimate},
				{"fieller_low", r.Fieller.Low, base.Fieller.Low},
				{"df", r.DF, base.DF},
			})
			pp := Permutation(ca, cb, PermutationOptions{})
			p0 := Permutation(a, b, PermutationOptions{})
			runChecks(t, "Permutation"+call, []check{{"p", pp.P, p0.P}})
			pl := PlanRatio(ratioStat(ca), ratioStat(cb), 0.1, 0.05, 0.8)
			pl0 := PlanRatio(sa, sb, 0.1, 0.05, 0.8)
			runChecks(t, "PlanRatio"+call, []check{
				{"streams_per_arm", pl.StreamsPerArm, pl0.StreamsPerArm},
				{"mde", pl.MDE, pl0.MDE},
			})
		})
	}
}

func TestWelchSwapArms(t *testing.T) {
	a := meanStat([]float64{1.82, 2.15, 1.47, 2.60, 1.95, 2.31})
	b := meanStat([]float64{2.44, 2.05, 2.98, 2.71, 2.36, 3.12, 2.58})
	r, s := Welch(a, b, alpha), Welch(b, a, alpha)
	runChecks(t, "Welch swapped", []check{
		{"diff", s.Absolute.Estimate, -r.Absolute.Estimate},
		{"p", s.Absolute.P, r.Absolute.P},
		{"df", s.Absolute.DF, r.Absolute.DF},
	})
	pa, pb := TwoProportion(ProportionStat{182, 4310}, ProportionStat{236, 4205}, alpha),
		TwoProportion(ProportionStat{236, 4205}, ProportionStat{182, 4310}, alpha)
	runChecks(t, "TwoProportion swapped", []check{
		{"diff", pb.Diff, -pa.Diff},
		{"z", pb.Z, -pa.Z},
		{"p", pb.P, pa.P},
	})
}
