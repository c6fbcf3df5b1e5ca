package experiments

import (
	"fmt"
	"math"
	"testing"
)

// goodArm is a usable ratio arm (section c's control).
var goodArm = ratioStat([]Stream{{1840.50, 1020}, {2310.00, 1385}, {960.25, 610}, {3120.80, 1710}, {1455.00, 905}, {2650.40, 1490}})

// TestRatioReasons covers every reason code Ratio returns, and checks that no
// float field of a degenerate result is NaN or Inf.
func TestRatioReasons(t *testing.T) {
	constant := ratioStat([]Stream{{200, 100}, {400, 200}, {600, 300}}) // R = 2 in every stream
	for _, c := range []struct {
		name string
		a, b RatioStat
		a2   float64 // alpha
		want Reason
	}{
		{"ok", goodArm, goodArm, 0.05, OK},
		{"one_stream_in_control", ratioStat([]Stream{{100, 50}}), goodArm, 0.05, ReasonTooFewStreams},
		{"one_stream_in_variant", goodArm, ratioStat([]Stream{{100, 50}}), 0.05, ReasonTooFewStreams},
		{"no_streams", RatioStat{}, goodArm, 0.05, ReasonTooFewStreams},
		{"zero_denominator", goodArm, ratioStat([]Stream{{0, 0}, {0, 0}}), 0.05, ReasonZeroDenominator},
		{"zero_variance", constant, constant, 0.05, ReasonZeroVariance},
		{"zero_baseline", ratioStat([]Stream{{0, 100}, {0, 200}}), goodArm, 0.05, ReasonZeroBaseline},
		{"negative_k", RatioStat{K: -1}, goodArm, 0.05, ReasonInvalidInput},
		{"nan_sum", RatioStat{K: 3, SumM: math.NaN(), SumD: 3}, goodArm, 0.05, ReasonInvalidInput},
		{"inf_sum", RatioStat{K: 3, SumM: 1, SumD: math.Inf(1)}, goodArm, 0.05, ReasonInvalidInput},
		{"alpha_zero", goodArm, goodArm, 0, ReasonInvalidInput},
		{"alpha_one", goodArm, goodArm, 1, ReasonInvalidInput},
		{"overflow", RatioStat{K: 2, SumM: 1e300, SumD: 1e-300, SumM2: 1e300, SumD2: 1, SumMD: 1}, goodArm, 0.05, ReasonNonFinite},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Ratio(c.a, c.b, c.a2)
			if r.Reason != c.want {
				t.Errorf("Ratio(%v, %v, %v).Reason = %q; want %q", c.a, c.b, c.a2, r.Reason, c.want)
			}
			assertFinite(t, fmt.Sprintf("Ratio(%v, %v)", c.a, c.b), r)
			if c.want != OK && (r.Relative.Estimate != 0 || r.Relative.P != 0 || r.Relative.Reason == OK) {
				t.Errorf("Ratio(%v, %v).Relative = %+v; want zero fields and a reason", c.a, c.b, r.Relative)
			}
			assertFinite(t, "PlanRatio", PlanRatio(c.a, c.b, 0.1, 0.05, 0.8))
		})
	}
}

func TestRatioFiellerUnbounded(t *testing.T) {
	// A control ratio that is not clearly above zero: Fieller's set is not
	// an interval, while the delta-method test still runs.
	a := ratioStat([]Stream{{-50, 100}, {60, 100}, {-40, 100}, {45, 100}})
	b := goodArm
	r := Ratio(a, b, 0.05)
	if r.FiellerReason != ReasonUnbounded {
		t.Errorf("Ratio(%v, %v).FiellerReason = %q; want %q", a, b, r.FiellerReason, ReasonUnbounded)
	}
	if r.Fieller != (Interval{}) {
		t.Errorf("Ratio(%v, %v).Fieller = %v; want zero", a, b, r.Fieller)
	}
	if r.Relative.Reason != OK {
		t.Errorf("Ratio(%v, %v).Relative.Reason = %q; want OK", a, b, r.Relative.Reason)
	}
	assertFinite(t, "Ratio", r)
}

func TestWelchReasons(t *testing.T) {
	good := meanStat([]float64{1.82, 2.15, 1.47, 2.60})
	for _, c := range []struct {
		name string
		a, b MeanStat
		want Reason
		rel  Reason
	}{
		{"ok", good, good, OK, OK},
		{"one_stream", meanStat([]float64{2}), good, ReasonTooFewStreams, ReasonTooFewStreams},
		{"zero_variance", meanStat([]float64{2, 2, 2}), meanStat([]float64{3, 3}), ReasonZeroVariance, ReasonZeroVariance},
		{"zero_baseline", meanStat([]float64{-1, 1}), good, OK, ReasonZeroBaseline},
		{"invalid", MeanStat{N: 3, Sum: math.Inf(1)}, good, ReasonInvalidInput, ReasonInvalidInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Welch(c.a, c.b, 0.05)
			if r.Reason != c.want || r.Relative.Reason != c.rel {
				t.Errorf("Welch(%v, %v) reasons = %q, %q; want %q, %q", c.a, c.b, r.Reason, r.Relative.Reason, c.want, c.rel)
			}
			assertFinite(t, "Welch", r)
			s := Student(c.a, c.b, 0.05)
			if c.want != OK && s.Reason == OK {
				t.Errorf("Student(%v, %v).Reason = OK; want a reason", c.a, c.b)
			}
			assertFinite(t, "Student", s)
		})
	}
}

func TestTwoProportionReasons(t *testing.T) {
	good := ProportionStat{Successes: 10, Trials: 100}
	for _, c := range []struct {
		name string
		a, b ProportionStat
		want Reason
		rel  Reason
	}{
		{"ok", good, good, OK, OK},
		{"no_trials", ProportionStat{}, good, ReasonNoTrials, ReasonNoTrials},
		{"more_successes_than_trials", ProportionStat{Successes: 5, Trials: 4}, good, ReasonInvalidInput, ReasonInvalidInput},
		{"negative", ProportionStat{Successes: -1, Trials: 4}, good, ReasonInvalidInput, ReasonInvalidInput},
		{"all_zero", ProportionStat{Trials: 50}, ProportionStat{Trials: 60}, ReasonZeroVariance, ReasonZeroVariance},
		{"zero_baseline", ProportionStat{Trials: 50}, good, OK, ReasonZeroBaseline},
		{"all_succeed", ProportionStat{Successes: 5, Trials: 5}, ProportionStat{Successes: 7, Trials: 7}, ReasonZeroVariance, ReasonZeroVariance},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := TwoProportion(c.a, c.b, 0.05)
			if r.Reason != c.want || r.Relative.Reason != c.rel {
				t.Errorf("TwoProportion(%v, %v) reasons = %q, %q; want %q, %q", c.a, c.b, r.Reason, r.Relative.Reason, c.want, c.rel)
			}
			assertFinite(t, "TwoProportion", r)
		})
	}
}

func TestSRMReasons(t *testing.T) {
	for _, c := range []struct {
		name string
		obs  []int
		w    []float64
		want Reason
	}{
		{"ok", []int{9, 5}, []float64{1, 1}, OK},
		{"one_arm", []int{9}, []float64{1}, ReasonInvalidInput},
		{"length_mismatch", []int{9, 5}, []float64{1}, ReasonInvalidInput},
		{"negative_count", []int{-1, 5}, []float64{1, 1}, ReasonInvalidInput},
		{"zero_weight", []int{9, 5}, []float64{1, 0}, ReasonInvalidInput},
		{"no_streams", []int{0, 0}, []float64{1, 1}, ReasonNoTrials},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := SRM(c.obs, c.w)
			if r.Reason != c.want {
				t.Errorf("SRM(%v, %v).Reason = %q; want %q", c.obs, c.w, r.Reason, c.want)
			}
			assertFinite(t, "SRM", r)
		})
	}
}

func TestPowerReasons(t *testing.T) {
	for _, c := range []struct {
		name string
		plan Plan
		want Reason
	}{
		{"ok", Design(2, 0.45, 0.1, 0.05, 0.8, 6, 6), OK},
		{"zero_sd", Design(2, 0, 0.1, 0.05, 0.8, 6, 6), ReasonZeroVariance},
		{"zero_baseline", Design(0, 0.45, 0.1, 0.05, 0.8, 6, 6), ReasonZeroBaseline},
		{"zero_target", Design(2, 0.45, 0, 0.05, 0.8, 6, 6), ReasonInvalidInput},
		{"bad_power", Design(2, 0.45, 0.1, 0.05, 1.2, 6, 6), ReasonInvalidInput},
		{"one_stream", Design(2, 0.45, 0.1, 0.05, 0.8, 1, 6), ReasonTooFewStreams},
		{"ratio_one_stream", PlanRatio(ratioStat([]Stream{{1, 1}}), goodArm, 0.1, 0.05, 0.8), ReasonTooFewStreams},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.plan.Reason != c.want {
				t.Errorf("plan %+v reason = %q; want %q", c.plan, c.plan.Reason, c.want)
			}
			assertFinite(t, "Plan", c.plan)
		})
	}
	if n, r := StreamsPerArm(1e-7, 0.05, 0.8); r != ReasonUnbounded {
		t.Errorf("StreamsPerArm(1e-7, 0.05, 0.8) = %v, %q; want %q", n, r, ReasonUnbounded)
	}
	if n, r := StreamsPerArm(50, 0.05, 0.8); r != OK || n != 2 {
		t.Errorf("StreamsPerArm(50, 0.05, 0.8) = %v, %q; want 2", n, r)
	}
	if n, r := StreamsPerArm(1e-4, 0.05, 0.8); r != OK || n < 1e9 {
		t.Errorf("StreamsPerArm(1e-4, 0.05, 0.8) = %v, %q; want about 1.6e9", n, r)
	}
	if _, r := GrowthBookMDE(0.5, 1, 0.05, 0.8); r != ReasonUnbounded {
		t.Errorf("GrowthBookMDE(0.5, 1, 0.05, 0.8) reason = %q; want %q", r, ReasonUnbounded)
	}
	if s := ProportionSampleSizes(0.9, 0.5, 0.05, 0.8); s.Reason != ReasonInvalidInput {
		t.Errorf("ProportionSampleSizes(0.9, 0.5) reason = %q; want %q", s.Reason, ReasonInvalidInput)
	}
}

func TestSequenceReasons(t *testing.T) {
	for _, c := range []struct {
		name              string
		est, se, n, nStar float64
		want              Reason
	}{
		{"ok", 0.07, 0.04, 12, 12, OK},
		{"zero_se", 0.07, 0, 12, 12, ReasonZeroVariance},
		{"zero_n", 0.07, 0.04, 0, 12, ReasonInvalidInput},
		{"nan", math.NaN(), 0.04, 12, 12, ReasonInvalidInput},
		{"huge_evidence", 1e3, 1e-3, 1e6, 12, OK},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := ConfidenceSequence(c.est, c.se, c.n, c.nStar, 0.05)
			if s.Reason != c.want {
				t.Errorf("ConfidenceSequence(%v, %v, %v, %v).Reason = %q; want %q", c.est, c.se, c.n, c.nStar, s.Reason, c.want)
			}
			assertFinite(t, "ConfidenceSequence", s)
		})
	}
}

func TestReasonWords(t *testing.T) {
	for _, r := range []Reason{ReasonTooFewStreams, ReasonZeroDenominator, ReasonZeroVariance, ReasonZeroBaseline,
		ReasonNoTrials, ReasonInvalidInput, ReasonUnbounded, ReasonNonFinite} {
		if r.Words() == "" || r.Words() == string(r) {
			t.Errorf("Reason(%q).Words() = %q; want plain words", r, r.Words())
		}
	}
	if OK.Words() != "" {
		t.Errorf("OK.Words() = %q; want empty", OK.Words())
	}
}

func TestDistributionFunctions(t *testing.T) {
	const sec = "a_welch_t_test_per_stream_rpv"
	df := num(t, sec, "output", "df_welch")
	tc, ok1 := TQuantile(0.975, df)
	p2, ok2 := TPTwoSided(num(t, sec, "output", "t"), df)
	sf, ok3 := TSurvival(num(t, sec, "output", "t"), df)
	cdf, ok4 := TCDF(num(t, sec, "output", "t"), df)
	z, ok5 := NormalQuantile(0.975)
	phi, ok6 := NormalCDF(z)
	chi, ok7 := ChiSquareSurvival(num(t, "d_srm_chi_square", "cases", 0, "chi2"), 1)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		t.Fatal("a distribution function refused a valid argument")
	}
	runChecks(t, "distributions", []check{
		{"TQuantile", tc, num(t, sec, "output", "t_crit_0975")},
		{"TPTwoSided", p2, num(t, sec, "output", "p_two_sided")},
		{"TSurvival", 2 * sf, num(t, sec, "output", "p_two_sided")},
		{"TCDF", 2 * (1 - cdf), num(t, sec, "output", "p_two_sided")},
		{"NormalQuantile", z, num(t, "e_power_sample_size", "two_proportion", "z_alpha_2")},
		{"NormalCDF", phi, 0.975},
		{"ChiSquareSurvival", chi, num(t, "d_srm_chi_square", "cases", 0, "p_value")},
	})
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"TQuantile(0, 5)", second(TQuantile(0, 5))},
		{"TQuantile(0.5, 0)", second(TQuantile(0.5, 0))},
		{"TCDF(NaN, 5)", second(TCDF(math.NaN(), 5))},
		{"TSurvival(1, -1)", second(TSurvival(1, -1))},
		{"TPTwoSided(1, Inf)", second(TPTwoSided(1, math.Inf(1)))},
		{"NormalQuantile(1)", second(NormalQuantile(1))},
		{"NormalCDF(NaN)", second(NormalCDF(math.NaN()))},
		{"ChiSquareSurvival(1, 0)", second(ChiSquareSurvival(1, 0))},
	} {
		if c.ok {
			t.Errorf("%s ok = true; want false", c.name)
		}
	}
}

func second(_ float64, ok bool) bool { return ok }
