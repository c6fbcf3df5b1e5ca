package experiments

import (
	"fmt"
	"math"
	"testing"
)

const alpha = 0.05

func TestWelchVectors(t *testing.T) {
	const sec = "a_welch_t_test_per_stream_rpv"
	a := meanStat(nums(t, sec, "input", "A"))
	b := meanStat(nums(t, sec, "input", "B"))
	r := Welch(a, b, alpha)
	if r.Reason != OK {
		t.Fatalf("Welch(%v, %v) reason = %q; want OK", a, b, r.Reason)
	}
	o := func(k string) float64 { return num(t, sec, "output", k) }
	ci := nums(t, sec, "output", "ci95_diff")
	runChecks(t, fmt.Sprintf("Welch(%v, %v)", a, b), []check{
		{"n_A", float64(r.A.N), o("n_A")},
		{"n_B", float64(r.B.N), o("n_B")},
		{"mean_A", r.A.Mean, o("mean_A")},
		{"mean_B", r.B.Mean, o("mean_B")},
		{"var_A", r.A.Var, o("var_A")},
		{"var_B", r.B.Var, o("var_B")},
		{"diff", r.Absolute.Estimate, o("diff_B_minus_A")},
		{"se", r.Absolute.SE, o("se_diff")},
		{"t", r.Absolute.Stat, o("t")},
		{"df", r.Absolute.DF, o("df_welch")},
		{"p", r.Absolute.P, o("p_two_sided")},
		{"t_crit", r.Absolute.Crit, o("t_crit_0975")},
		{"ci_low", r.Absolute.CI.Low, ci[0]},
		{"ci_high", r.Absolute.CI.High, ci[1]},
	})
	g := func(k string) float64 { return num(t, sec, "growthbook_style_relative_lift", k) }
	gci := nums(t, sec, "growthbook_style_relative_lift", "ci95_lift")
	runChecks(t, fmt.Sprintf("Welch(%v, %v).Relative", a, b), []check{
		{"lift", r.Relative.Estimate, g("lift")},
		{"se", r.Relative.SE, g("se_lift")},
		{"t", r.Relative.Stat, g("t")},
		{"df", r.Relative.DF, g("df")},
		{"p", r.Relative.P, g("p_two_sided")},
		{"ci_low", r.Relative.CI.Low, gci[0]},
		{"ci_high", r.Relative.CI.High, gci[1]},
	})
	s := Student(a, b, alpha)
	c := func(k string) float64 { return num(t, sec, "contrast_student_pooled", k) }
	runChecks(t, fmt.Sprintf("Student(%v, %v)", a, b), []check{
		{"t", s.Stat, c("t")},
		{"df", s.DF, c("df")},
		{"p", s.P, c("p_two_sided")},
	})
}

// TestWelchPerStreamRPV checks Welch on section c's per-stream RPV values
// (the contrast estimand that weights streams equally).
func TestWelchPerStreamRPV(t *testing.T) {
	const sec = "c_delta_method_ratio_metric_rpv"
	a := meanStat(nums(t, sec, "output", "A", "per_stream_rpv"))
	b := meanStat(nums(t, sec, "output", "B", "per_stream_rpv"))
	r := Welch(a, b, alpha)
	c := func(k string) float64 { return num(t, sec, "contrast_mean_of_per_stream_rpv_welch", k) }
	runChecks(t, fmt.Sprintf("Welch(%v, %v)", a, b), []check{
		{"mean_A", r.A.Mean, c("mean_A")},
		{"mean_B", r.B.Mean, c("mean_B")},
		{"t", r.Absolute.Stat, c("t")},
		{"p", r.Absolute.P, c("p_two_sided")},
		{"df", r.Absolute.DF, c("df")},
	})
}

func TestTwoProportionVectors(t *testing.T) {
	const sec = "b_two_proportion_z_test_pooled"
	in := func(arm, k string) int { return int(num(t, sec, "input", arm, k)) }
	a := ProportionStat{Successes: in("A", "conversions"), Trials: in("A", "trials")}
	b := ProportionStat{Successes: in("B", "conversions"), Trials: in("B", "trials")}
	r := TwoProportion(a, b, alpha)
	if r.Reason != OK {
		t.Fatalf("TwoProportion(%v, %v) reason = %q; want OK", a, b, r.Reason)
	}
	o := func(k string) float64 { return num(t, sec, "output", k) }
	ci := nums(t, sec, "output", "ci95_diff_wald_unpooled")
	runChecks(t, fmt.Sprintf("TwoProportion(%v, %v)", a, b), []check{
		{"p_A", r.PA, o("p_A")},
		{"p_B", r.PB, o("p_B")},
		{"diff", r.Diff, o("diff")},
		{"p_pooled", r.PPooled, o("p_pooled")},
		{"se_pooled", r.SEPooled, o("se_pooled")},
		{"z", r.Z, o("z")},
		{"p", r.P, o("p_two_sided")},
		{"se_unpooled", r.SEUnpooled, o("se_unpooled")},
		{"ci_low", r.CI.Low, ci[0]},
		{"ci_high", r.CI.High, ci[1]},
		{"relative_lift", r.RelativeLift, o("relative_lift")},
		{"chi2", r.Chi2, o("chi2_2x2_no_correction")},
	})
	g := func(k string) float64 { return num(t, sec, "growthbook_style_relative_lift", k) }
	gci := nums(t, sec, "growthbook_style_relative_lift", "ci95_lift")
	runChecks(t, fmt.Sprintf("TwoProportion(%v, %v).Relative", a, b), []check{
		{"lift", r.Relative.Estimate, g("lift")},
		{"se", r.Relative.SE, g("se_lift")},
		{"df", r.Relative.DF, g("df")},
		{"t", r.Relative.Stat, g("t")},
		{"p", r.Relative.P, g("p_two_sided")},
		{"ci_low", r.Relative.CI.Low, gci[0]},
		{"ci_high", r.Relative.CI.High, gci[1]},
	})
}

func TestRatioVectors(t *testing.T) {
	const sec = "c_delta_method_ratio_metric_rpv"
	fromSums := func(t *testing.T) (RatioStat, RatioStat) {
		return sectionCStats(t, "A"), sectionCStats(t, "B")
	}
	fromStreams := func(t *testing.T) (RatioStat, RatioStat) {
		return ratioStat(sectionCStreams(t, "A")), ratioStat(sectionCStreams(t, "B"))
	}
	for name, build := range map[string]func(*testing.T) (RatioStat, RatioStat){
		"sums_from_file": fromSums, "sums_from_streams": fromStreams,
	} {
		t.Run(name, func(t *testing.T) {
			a, b := build(t)
			r := Ratio(a, b, alpha)
			if r.Reason != OK {
				t.Fatalf("Ratio(%v, %v) reason = %q; want OK", a, b, r.Reason)
			}
			call := fmt.Sprintf("Ratio(%v, %v)", a, b)
			for _, arm := range []struct {
				name string
				got  RatioArm
			}{{"A", r.A}, {"B", r.B}} {
				o := func(k string) float64 { return num(t, sec, "output", arm.name, k) }
				runChecks(t, call+"."+arm.name, []check{
					{"k_streams", float64(arm.got.K), o("k_streams")},
					{"mean_revenue_per_stream", arm.got.MeanM, o("mean_revenue_per_stream")},
					{"mean_viewers_per_stream", arm.got.MeanD, o("mean_viewers_per_stream")},
					{"var_revenue", arm.got.VarM, o("var_revenue")},
					{"var_viewers", arm.got.VarD, o("var_viewers")},
					{"cov_revenue_viewers", arm.got.CovMD, o("cov_revenue_viewers")},
					{"ratio_RPV", arm.got.R, o("ratio_RPV")},
					{"var_unit_delta", arm.got.VarUnit, o("var_unit_delta")},
					{"var_ratio", arm.got.VarR, o("var_ratio")},
					{"se_ratio", arm.got.SER, o("se_ratio")},
				})
			}
			ab := func(k string) float64 { return num(t, sec, "output", "absolute", k) }
			abN := nums(t, sec, "output", "absolute", "ci95_normal")
			abT := nums(t, sec, "output", "absolute", "ci95_t_welch")
			runChecks(t, call+".Absolute", []check{
				{"diff", r.Absolute.Estimate, ab("diff")},
				{"se", r.Absolute.SE, ab("se")},
				{"z_or_t", r.Absolute.Stat, ab("z_or_t")},
				{"p_normal", r.AbsoluteNormal.P, ab("p_normal")},
				{"ci95_normal_low", r.AbsoluteNormal.CI.Low, abN[0]},
				{"ci95_normal_high", r.AbsoluteNormal.CI.High, abN[1]},
				{"df_welch", r.DF, ab("df_welch")},
				{"df_test", r.Absolute.DF, ab("df_welch")},
				{"p_t_welch", r.Absolute.P, ab("p_t_welch")},
				{"ci95_t_welch_low", r.Absolute.CI.Low, abT[0]},
				{"ci95_t_welch_high", r.Absolute.CI.High, abT[1]},
			})
			rel := func(k string) float64 { return num(t, sec, "output", "relative", k) }
			relN := nums(t, sec, "output", "relative", "ci95_normal")
			relT := nums(t, sec, "output", "relative", "ci95_t_welch_growthbook")
			runChecks(t, call+".Relative", []check{
				{"lift", r.Relative.Estimate, rel("lift")},
				{"var_lift", r.VarLift, rel("var_lift")},
				{"se_lift", r.Relative.SE, rel("se_lift")},
				{"z_or_t", r.Relative.Stat, rel("z_or_t")},
				{"p_normal", r.RelativeNormal.P, rel("p_normal")},
				{"ci95_normal_low", r.RelativeNormal.CI.Low, relN[0]},
				{"ci95_normal_high", r.RelativeNormal.CI.High, relN[1]},
				{"df_welch", r.Relative.DF, rel("df_welch")},
				{"p_t_welch_growthbook", r.Relative.P, rel("p_t_welch_growthbook")},
				{"ci95_t_welch_growthbook_low", r.Relative.CI.Low, relT[0]},
				{"ci95_t_welch_growthbook_high", r.Relative.CI.High, relT[1]},
			})
			lr := func(k string) float64 { return num(t, sec, "output", "alt_log_ratio", k) }
			lrN := nums(t, sec, "output", "alt_log_ratio", "ci95_lift_normal")
			lrT := nums(t, sec, "output", "alt_log_ratio", "ci95_lift_t_welch")
			fi := nums(t, sec, "output", "alt_fieller_ci95_lift")
			if r.LogRatio.Reason != OK || r.FiellerReason != OK {
				t.Fatalf("%s log-ratio reason %q, Fieller reason %q; want OK", call, r.LogRatio.Reason, r.FiellerReason)
			}
			runChecks(t, call, []check{
				{"log_ratio", r.LogRatio.LogRatio, lr("log_ratio")},
				{"se_log_ratio", r.LogRatio.SE, lr("se_log_ratio")},
				{"log_ratio_ci95_normal_low", r.LogRatio.CINormal.Low, lrN[0]},
				{"log_ratio_ci95_normal_high", r.LogRatio.CINormal.High, lrN[1]},
				{"log_ratio_ci95_t_low", r.LogRatio.CIT.Low, lrT[0]},
				{"log_ratio_ci95_t_high", r.LogRatio.CIT.High, lrT[1]},
				{"fieller_low", r.Fieller.Low, fi[0]},
				{"fieller_high", r.Fieller.High, fi[1]},
			})
		})
	}
}

func TestSRMVectors(t *testing.T) {
	const sec = "d_srm_chi_square"
	cases, _ := ref(t, sec, "cases").([]any)
	if len(cases) == 0 {
		t.Fatal("no SRM cases in the reference")
	}
	for i := range cases {
		name, _ := ref(t, sec, "cases", i, "name").(string)
		t.Run(name, func(t *testing.T) {
			obsF := nums(t, sec, "cases", i, "observed")
			obs := make([]int, len(obsF))
			for j, o := range obsF {
				obs[j] = int(o)
			}
			w := nums(t, sec, "cases", i, "weights")
			r := SRM(obs, w)
			if r.Reason != OK {
				t.Fatalf("SRM(%v, %v) reason = %q; want OK", obs, w, r.Reason)
			}
			call := fmt.Sprintf("SRM(%v, %v)", obs, w)
			exp := nums(t, sec, "cases", i, "expected")
			cs := []check{
				{"chi2", r.Chi2, num(t, sec, "cases", i, "chi2")},
				{"df", float64(r.DF), num(t, sec, "cases", i, "df")},
				{"p_value", r.P, num(t, sec, "cases", i, "p_value")},
			}
			for j := range exp {
				cs = append(cs, check{fmt.Sprintf("expected[%d]", j), r.Expected[j], exp[j]})
			}
			if x, ok := ref(t, sec, "cases", i, "exact_binomial_p_two_sided").(float64); ok {
				if !r.HasExact {
					t.Errorf("%s HasExact = false; want true", call)
				}
				cs = append(cs, check{"exact_binomial_p_two_sided", r.ExactP, x})
			} else if r.HasExact {
				t.Errorf("%s HasExact = true; want false (no exact p for %d arms)", call, len(obs))
			}
			runChecks(t, call, cs)
			flag := ref(t, sec, "cases", i, "flag_at_0.001 (GrowthBook/Eppo default)").(bool)
			if got := r.P < 0.001; got != flag {
				t.Errorf("%s P < 0.001 = %v; want %v", call, got, flag)
			}
		})
	}
}

func TestBinomialTwoSidedSmall(t *testing.T) {
	// Hand-checkable: n = 4, p = 1/2, pmf = 1,4,6,4,1 /16.
	for _, c := range []struct {
		k    int
		want float64
	}{
		{0, 2.0 / 16}, {1, 10.0 / 16}, {2, 1}, {3, 10.0 / 16}, {4, 2.0 / 16},
	} {
		t.Run(fmt.Sprint(c.k), func(t *testing.T) {
			got, r := BinomialTwoSided(c.k, 4, 0.5)
			if r != OK || !close(got, c.want) {
				t.Errorf("BinomialTwoSided(%d, 4, 0.5) = %v, %q; want %v", c.k, got, r, c.want)
			}
		})
	}
}

func TestPowerVectors(t *testing.T) {
	const sec = "e_power_sample_size"
	t.Run("stream_level_t_design", func(t *testing.T) {
		in := func(k string) float64 { return num(t, sec, "stream_level_t_design", "input", k) }
		o := func(k string) float64 { return num(t, sec, "stream_level_t_design", k) }
		p := Design(in("mean_rpv"), in("between_stream_sd"), in("relative_mde"), in("alpha_two_sided"), in("power"), 0, 0)
		call := fmt.Sprintf("Design(%v, %v, %v)", in("mean_rpv"), in("between_stream_sd"), in("relative_mde"))
		if p.Reason != OK {
			t.Fatalf("%s reason = %q; want OK", call, p.Reason)
		}
		runChecks(t, call, []check{
			{"cohens_d", p.EffectSize, o("cohens_d")},
			{"streams_per_arm_t_exact_statsmodels", p.StreamsPerArm, o("streams_per_arm_t_exact_statsmodels")},
			{"streams_per_arm_ceil", float64(p.StreamsPerArmCeil), o("streams_per_arm_ceil")},
		})
		if p.StreamsPerArmCeil != 81 {
			t.Errorf("%s StreamsPerArmCeil = %d; want 81", call, p.StreamsPerArmCeil)
		}
		// The normal approximation 2(z_{α/2}+z_β)²/d² for contrast.
		za, _ := NormalQuantile(1 - in("alpha_two_sided")/2)
		zb, _ := NormalQuantile(in("power"))
		runChecks(t, call, []check{
			{"streams_per_arm_normal_approx", 2 * (za + zb) * (za + zb) / (p.EffectSize * p.EffectSize), o("streams_per_arm_normal_approx")},
		})
		// Power at the planned streams is the requested power, and MDE at
		// those streams is the target lift.
		q := Design(in("mean_rpv"), in("between_stream_sd"), in("relative_mde"), in("alpha_two_sided"), in("power"), 81, 81)
		if q.Power < in("power") || q.MDE > in("relative_mde") {
			t.Errorf("Design(…, 81, 81) power = %v, MDE = %v; want ≥ %v and ≤ %v", q.Power, q.MDE, in("power"), in("relative_mde"))
		}
		pw, _ := TTestPower(p.EffectSize, p.StreamsPerArm, p.StreamsPerArm, alpha)
		d, _ := MinimumEffectSize(p.StreamsPerArm, p.StreamsPerArm, alpha, in("power"))
		runChecks(t, "round trip", []check{
			{"power at solved n", pw, in("power")},
			{"effect size at solved n", d, p.EffectSize},
		})
	})
	t.Run("two_proportion", func(t *testing.T) {
		const tp = "two_proportion"
		in := func(k string) float64 { return num(t, sec, tp, "input", k) }
		n := func(k string) float64 { return num(t, sec, tp, "n_per_arm", k) }
		p1, rel, a, pw := in("p1_baseline"), in("relative_mde"), in("alpha_two_sided"), in("power")
		s := ProportionSampleSizes(p1, rel, a, pw)
		call := fmt.Sprintf("ProportionSampleSizes(%v, %v, %v, %v)", p1, rel, a, pw)
		if s.Reason != OK {
			t.Fatalf("%s reason = %q; want OK", call, s.Reason)
		}
		za, _ := NormalQuantile(1 - a/2)
		zb, _ := NormalQuantile(pw)
		runChecks(t, call, []check{
			{"p2", p1 * (1 + rel), in("p2")},
			{"z_alpha_2", za, num(t, sec, tp, "z_alpha_2")},
			{"z_beta", zb, num(t, sec, tp, "z_beta")},
			{"fleiss_pooled_null_no_cc", s.Fleiss, n("fleiss_pooled_null_no_cc")},
			{"fleiss_pooled_null_no_cc_ceil", math.Ceil(s.Fleiss), n("fleiss_pooled_null_no_cc_ceil")},
			{"fleiss_with_continuity_correction", s.FleissCC, n("fleiss_with_continuity_correction")},
			{"fleiss_with_continuity_correction_ceil", math.Ceil(s.FleissCC), n("fleiss_with_continuity_correction_ceil")},
			{"unpooled_simple", s.Unpooled, n("unpooled_simple")},
			{"unpooled_simple_ceil", math.Ceil(s.Unpooled), n("unpooled_simple_ceil")},
			{"cohens_h_arcsine_statsmodels_both_tails", s.CohensH, n("cohens_h_arcsine_statsmodels_both_tails")},
			{"cohens_h_arcsine_closed_form_one_tail_term", s.CohensHClosedForm, n("cohens_h_arcsine_closed_form_one_tail_term")},
			{"cohens_h_arcsine_ceil", math.Ceil(s.CohensH), n("cohens_h_arcsine_ceil")},
			{"cohens_h", s.H, n("cohens_h")},
			{"growthbook_power_ts_relative_delta", s.GrowthBook, n("growthbook_power_ts_relative_delta")},
			{"growthbook_power_ts_relative_delta_ceil", math.Ceil(s.GrowthBook), n("growthbook_power_ts_relative_delta_ceil")},
		})
		f := func(k string) float64 { return num(t, sec, tp, "power_at_fixed_n", k) }
		nf := f("n_per_arm")
		gbp, r1 := GrowthBookPower(p1, rel, nf, a)
		hp, r2 := NormalPower(s.H, nf, nf, a)
		mde, r3 := GrowthBookMDE(p1, nf, a, pw)
		mdeGB, r4 := GrowthBookMDE(p1, s.GrowthBook, a, pw)
		if r := firstReason(r1, r2, r3, r4); r != OK {
			t.Fatalf("power at fixed n: reason %q; want OK", r)
		}
		runChecks(t, fmt.Sprintf("power at n = %v", nf), []check{
			{"growthbook_relative", gbp, f("growthbook_relative")},
			{"cohens_h", hp, f("cohens_h")},
			{"growthbook_mde_at_n_for_80pct_power", mde, f("growthbook_mde_at_n_for_80pct_power")},
			{"growthbook_mde_at_n_gb", mdeGB, f("growthbook_mde_at_n_gb")},
		})
	})
}

func TestHolmBHVectors(t *testing.T) {
	const sec = "g_multiple_testing"
	p := nums(t, sec, "input_p_values")
	for _, c := range []struct {
		name string
		fn   func([]float64) []float64
		key  string
	}{
		{"Holm", Holm, "holm_bonferroni_adjusted"},
		{"BenjaminiHochberg", BenjaminiHochberg, "benjamini_hochberg_adjusted"},
		{"Bonferroni", Bonferroni, "bonferroni_adjusted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := nums(t, sec, c.key)
			got := c.fn(p)
			var cs []check
			for i := range want {
				cs = append(cs, check{fmt.Sprintf("[%d]", i), got[i], want[i]})
			}
			runChecks(t, fmt.Sprintf("%s(%v)", c.name, p), cs)
			// The order of the input must not matter.
			rev := make([]float64, len(p))
			for i := range p {
				rev[len(p)-1-i] = p[i]
			}
			gotRev := c.fn(rev)
			for i := range want {
				if !close(gotRev[len(p)-1-i], want[i]) {
					t.Errorf("%s(%v)[%d] = %v; want %v", c.name, rev, len(p)-1-i, gotRev[len(p)-1-i], want[i])
				}
			}
		})
	}
}

func TestAdjustEdgeCases(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []float64
		holm []float64
		bh   []float64
	}{
		{"empty", nil, []float64{}, []float64{}},
		{"single", []float64{0.03}, []float64{0.03}, []float64{0.03}},
		{"ties", []float64{0.02, 0.02}, []float64{0.04, 0.04}, []float64{0.02, 0.02}},
		{"nan_is_one", []float64{math.NaN(), 0.01}, []float64{1, 0.02}, []float64{1, 0.02}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, b := Holm(c.in), BenjaminiHochberg(c.in)
			for i := range c.holm {
				if !close(h[i], c.holm[i]) || !close(b[i], c.bh[i]) {
					t.Errorf("Holm(%v) = %v, BenjaminiHochberg = %v; want %v, %v", c.in, h, b, c.holm, c.bh)
					break
				}
			}
		})
	}
}

func TestSequenceVectors(t *testing.T) {
	const sec = "f_sequential_on_example_c"
	est := num(t, sec, "fixed_horizon_reference", "lift")
	se := num(t, sec, "fixed_horizon_reference", "se")
	n := num(t, sec, "growthbook_asymptotic_cs", "N")
	for _, c := range []struct {
		key   string
		nStar float64
	}{
		{"N_star_12", 12}, {"N_star_40", 40}, {"N_star_5000_default", 5000},
	} {
		t.Run(c.key, func(t *testing.T) {
			s := ConfidenceSequence(est, se, n, c.nStar, alpha)
			call := fmt.Sprintf("ConfidenceSequence(%v, %v, %v, %v)", est, se, n, c.nStar)
			if s.Reason != OK {
				t.Fatalf("%s reason = %q; want OK", call, s.Reason)
			}
			o := func(k string) float64 { return num(t, sec, "growthbook_asymptotic_cs", c.key, k) }
			ci := nums(t, sec, "growthbook_asymptotic_cs", c.key, "ci")
			runChecks(t, call, []check{
				{"rho", s.Rho, o("rho")},
				{"halfwidth", s.HalfWidth, o("halfwidth")},
				{"ci_low", s.CI.Low, ci[0]},
				{"ci_high", s.CI.High, ci[1]},
				{"p_value", s.P, o("p_value")},
				{"e_value", s.EValue, o("e_value")},
			})
		})
	}
	// The fixed-horizon reference of section f is the normal relative test of c.
	r := Ratio(sectionCStats(t, "A"), sectionCStats(t, "B"), alpha)
	ci := nums(t, sec, "fixed_horizon_reference", "ci95_normal")
	runChecks(t, "Ratio(c).RelativeNormal", []check{
		{"lift", r.RelativeNormal.Estimate, est},
		{"se", r.RelativeNormal.SE, se},
		{"ci_low", r.RelativeNormal.CI.Low, ci[0]},
		{"ci_high", r.RelativeNormal.CI.High, ci[1]},
		{"p_normal", r.RelativeNormal.P, num(t, sec, "fixed_horizon_reference", "p_normal")},
	})
}
