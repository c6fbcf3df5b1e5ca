package experiments

import "testing"

func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		name string
		in   VerdictInput
		want string
	}{
		{"not_significant_with_plan",
			VerdictInput{Metric: "RPV", Lift: 0.068, CI: Interval{-0.0104, 0.1506}, P: 0.13, Alpha: 0.05, StreamsPerArm: 81, TargetLift: 0.10},
			"RPV +6.8 % (−1.0 % to +15.1 %), not significant; ~81 streams per arm would detect +10 %"},
		{"not_significant_no_plan",
			VerdictInput{Metric: "RPV", Lift: 0.068, CI: Interval{-0.025, 0.161}, P: 0.13, Alpha: 0.05},
			"RPV +6.8 % (−2.5 % to +16.1 %), not significant"},
		{"significant",
			VerdictInput{Metric: "RPV", Lift: 0.2711, CI: Interval{0.0033, 0.5388}, P: 0.048, Alpha: 0.05, StreamsPerArm: 20, TargetLift: 0.1},
			"RPV +27.1 % (+0.3 % to +53.9 %), significant"},
		{"significant_negative",
			VerdictInput{Metric: "CVR", Lift: -0.12, CI: Interval{-0.2, -0.04}, P: 0.004, Alpha: 0.05},
			"CVR −12.0 % (−20.0 % to −4.0 %), significant"},
		{"alpha_stricter",
			VerdictInput{Metric: "CTR", Lift: 0.05, CI: Interval{0.001, 0.099}, P: 0.03, Alpha: 0.01, StreamsPerArm: 40, TargetLift: 0.075},
			"CTR +5.0 % (+0.1 % to +9.9 %), not significant; ~40 streams per arm would detect +7.5 %"},
		{"zero_lift",
			VerdictInput{Metric: "AOV", Lift: 0.0001, CI: Interval{-0.05, 0.05}, P: 0.99, Alpha: 0.05},
			"AOV 0.0 % (−5.0 % to +5.0 %), not significant"},
		{"reason",
			VerdictInput{Metric: "RPV", Reason: ReasonTooFewStreams},
			"RPV: no verdict, an arm has fewer than two streams"},
		{"no_name",
			VerdictInput{Reason: ReasonZeroVariance},
			"lift: no verdict, no variation between streams"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Verdict(c.in); got != c.want {
				t.Errorf("Verdict(%+v) = %q; want %q", c.in, got, c.want)
			}
		})
	}
}

func TestRatioVerdict(t *testing.T) {
	r := Ratio(sectionCStats(t, "A"), sectionCStats(t, "B"), alpha)
	plan := Design(2.0, 0.45, 0.10, 0.05, 0.8, 0, 0)
	got := RatioVerdict("RPV", r, plan, -1, 0.05)
	want := "RPV +6.8 % (−2.5 % to +16.1 %), not significant; ~81 streams per arm would detect +10 %"
	if got != want {
		t.Errorf("RatioVerdict(c) = %q; want %q", got, want)
	}
	if got := RatioVerdict("RPV", r, plan, 0.01, 0.05); got != "RPV +6.8 % (−2.5 % to +16.1 %), significant" {
		t.Errorf("RatioVerdict(c, p = 0.01) = %q; want significant", got)
	}
	bad := Ratio(ratioStat([]Stream{{1, 1}}), goodArm, alpha)
	if got := RatioVerdict("RPV", bad, Plan{}, -1, 0.05); got != "RPV: no verdict, an arm has fewer than two streams" {
		t.Errorf("RatioVerdict(one stream) = %q", got)
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0.068, "+6.8 %"}, {-0.0104, "−1.0 %"}, {0, "0.0 %"}, {-0.00049, "0.0 %"}, {1.5, "+150.0 %"},
	} {
		if got := Percent(c.in); got != c.want {
			t.Errorf("Percent(%v) = %q; want %q", c.in, got, c.want)
		}
	}
}
