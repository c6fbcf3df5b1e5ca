package experiments

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// -calibration runs the full calibration benchmark (BENCHMARKS.md,
// docs/statistics.md § Calibration):
//
//	go test ./experiments -run TestCalibration -calibration -v
//
// Without it TestCalibrationQuick runs a small version that can still fail.
var calibration = flag.Bool("calibration", false, "run the full calibration benchmark (slow)")

// simHost is one host of a simulated experiment: its audience and its
// conversion rate, both spread the way real hosts differ.
type simHost struct {
	audience, conv float64
}

// simWorld draws experiments with no effect (lift 0) or a multiplicative
// effect on the variant's orders, from hosts whose audiences are 10× apart
// and whose order values are lognormal (sigma 1.0, or 1.5 for heavy tails).
type simWorld struct {
	rng        *rand.Rand
	valueSigma float64
}

func (w *simWorld) hosts(n int) []simHost {
	hs := make([]simHost, n)
	for i := range hs {
		hs[i] = simHost{
			audience: math.Exp(math.Log(200) + w.rng.Float64()*math.Log(10)),
			conv:     0.01 * math.Exp(0.5*w.rng.NormFloat64()),
		}
	}
	return hs
}

func (w *simWorld) poisson(mean float64) int {
	// Knuth for small means, normal approximation beyond.
	if mean > 60 {
		return int(math.Max(0, math.Round(mean+math.Sqrt(mean)*w.rng.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= w.rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// stream draws one stream of host h with the orders multiplied by effect.
func (w *simWorld) stream(h simHost, effect float64) (revenue, viewers float64) {
	viewers = math.Round(h.audience * math.Exp(0.3*w.rng.NormFloat64()))
	orders := w.poisson(viewers * h.conv * effect)
	for i := 0; i < orders; i++ {
		revenue += 30 * math.Exp(w.valueSigma*w.rng.NormFloat64()-w.valueSigma*w.valueSigma/2)
	}
	return revenue, viewers
}

// withHistory fills each unit's host history: 5 earlier streams of its host.
func (w *simWorld) history(h simHost) (m, d float64) {
	for i := 0; i < 5; i++ {
		r, v := w.stream(h, 1)
		m += r
		d += v
	}
	return m, d
}

// unblockedDesign: kA + kB streams, each by a host drawn from 8, with the
// host's history (5 earlier streams).
func (w *simWorld) unblockedDesign(kA, kB int, effect float64) []Unit {
	hs := w.hosts(8)
	pre := make([][2]float64, len(hs))
	for i, h := range hs {
		pre[i][0], pre[i][1] = w.history(h)
	}
	var us []Unit
	for i := 0; i < kA+kB; i++ {
		hi := w.rng.IntN(len(hs))
		variant := i >= kA
		e := 1.0
		if variant {
			e = effect
		}
		m, d := w.stream(hs[hi], e)
		us = append(us, Unit{Variant: variant, Host: fmt.Sprint("h", hi), M: m, D: d, PreM: pre[hi][0], PreD: pre[hi][1]})
	}
	return us
}

// hostDesign: hosts × perArm streams per host in each arm, with history.
func (w *simWorld) hostDesign(hosts, perArm int, effect float64) []Unit {
	var us []Unit
	for hi, h := range w.hosts(hosts) {
		pm, pd := w.history(h)
		for arm := 0; arm < 2; arm++ {
			for j := 0; j < perArm; j++ {
				e := 1.0
				if arm == 1 {
					e = effect
				}
				m, d := w.stream(h, e)
				us = append(us, Unit{Variant: arm == 1, Host: fmt.Sprint("h", hi), M: m, D: d, PreM: pm, PreD: pd})
			}
		}
	}
	return us
}

// rejectionRate analyses sims experiments and returns the share declared
// significant at alpha by the randomisation test and by the delta-method
// Welch t on the relative lift, over the experiments that had a result.
func rejectionRate(sims int, seed uint64, opt AnalysisOptions, draw func(w *simWorld) []Unit, sigma float64) (perm, welch float64, n int) {
	perm, welch, n, _ = rejectionRateVR(sims, seed, opt, draw, sigma)
	return perm, welch, n
}

// rejectionRateVR is rejectionRate with the mean variance reduction of the
// CUPED analyses.
func rejectionRateVR(sims int, seed uint64, opt AnalysisOptions, draw func(w *simWorld) []Unit, sigma float64) (perm, welch float64, n int, vr float64) {
	w := &simWorld{rng: rand.New(rand.NewPCG(seed, 7)), valueSigma: sigma}
	var rp, rw, nv int
	for s := 0; s < sims; s++ {
		us := draw(w)
		a := Analyse(us, opt)
		if a.Reason != OK {
			continue
		}
		n++
		if a.Method == MethodCUPED {
			vr += a.VarianceReduction
			nv++
		}
		if a.P < opt.Alpha {
			rp++
		}
		var sa, sb RatioStat
		for _, u := range us {
			x := &sa
			if u.Variant {
				x = &sb
			}
			x.K++
			x.SumM += u.M
			x.SumD += u.D
			x.SumM2 += u.M * u.M
			x.SumD2 += u.D * u.D
			x.SumMD += u.M * u.D
		}
		if r := Ratio(sa, sb, opt.Alpha); r.Relative.Reason == OK && r.Relative.P < opt.Alpha {
			rw++
		}
	}
	if nv > 0 {
		vr /= float64(nv)
	}
	return float64(rp) / float64(n), float64(rw) / float64(n), n, vr
}

// benchOptions: Monte-Carlo p-values with 999 draws (exact enumeration up to
// 2 000 assignments) are a valid test at any number of draws; no interval.
var benchOptions = AnalysisOptions{Alpha: 0.05, MaxExact: 2000, Samples: 999, NoInterval: true}

// TestCalibrationQuick is the small version in make test: 300 null
// experiments of 5 vs 5 streams from hosts 10× apart; the randomisation
// test's false-positive rate must stay within α + 2 Monte-Carlo standard
// errors.
func TestCalibrationQuick(t *testing.T) {
	opt := benchOptions
	opt.NoBlocking, opt.NoCUPED = true, true
	rate, _, n := rejectionRate(300, 1, opt, func(w *simWorld) []Unit { return w.unblockedDesign(5, 5, 1) }, 1.0)
	bound := 0.05 + 2*math.Sqrt(0.05*0.95/float64(n))
	if rate > bound {
		t.Errorf("5v5 null: %.3f of %d declared significant; want ≤ %.3f", rate, n, bound)
	}
}

// TestCalibration is the full benchmark behind -calibration.
func TestCalibration(t *testing.T) {
	if !*calibration {
		t.Skip("run with -calibration")
	}
	const sims = 10000
	opt := benchOptions
	opt.NoBlocking, opt.NoCUPED = true, true
	fmt.Printf("| design | experiments | randomisation (default) | delta-method Welch | bound α + 2 MCSE |\n|---|---|---|---|---|\n")
	for _, c := range []struct {
		name   string
		kA, kB int
		sigma  float64
	}{
		{"5 vs 5", 5, 5, 1}, {"10 vs 10", 10, 10, 1}, {"20 vs 20", 20, 20, 1}, {"30 vs 30", 30, 30, 1},
		{"9 vs 2", 9, 2, 1}, {"10 vs 10, heavy-tailed order values (σ 1.5)", 10, 10, 1.5},
		{"5 vs 5, very heavy tails (σ 2: one order can outweigh an arm)", 5, 5, 2},
	} {
		rate, welch, n := rejectionRate(sims, 11, opt, func(w *simWorld) []Unit { return w.unblockedDesign(c.kA, c.kB, 1) }, c.sigma)
		bound := 0.05 + 2*math.Sqrt(0.05*0.95/float64(n))
		fmt.Printf("| %s | %d | %.3f | %.3f | %.3f |\n", c.name, n, rate, welch, bound)
		if rate > bound {
			t.Errorf("%s null: %.3f > %.3f", c.name, rate, bound)
		}
	}
	fmt.Printf("\n| design, analysis | experiments | null: share significant | +30 %% RPV: power | mean variance reduction |\n|---|---|---|---|---|\n")
	none := func(o AnalysisOptions) AnalysisOptions { o.NoBlocking, o.NoCUPED = true, true; return o }
	blocked := func(o AnalysisOptions) AnalysisOptions { o.NoCUPED = true; return o }
	cuped := func(o AnalysisOptions) AnalysisOptions { o.NoBlocking = true; return o }
	hostDesign := func(effect float64) func(w *simWorld) []Unit {
		return func(w *simWorld) []Unit { return w.hostDesign(3, 2, effect) }
	}
	openDesign := func(effect float64) func(w *simWorld) []Unit {
		return func(w *simWorld) []Unit { return w.unblockedDesign(10, 10, effect) }
	}
	for _, c := range []struct {
		name   string
		opt    func(AnalysisOptions) AnalysisOptions
		design func(float64) func(w *simWorld) []Unit
	}{
		{"3 hosts × 2 streams per arm each, unblocked", none, hostDesign},
		{"3 hosts × 2 streams per arm each, blocked within host (default)", blocked, hostDesign},
		{"10 vs 10, hosts drawn from 8 with 5 earlier streams each, unadjusted", none, openDesign},
		{"10 vs 10, hosts drawn from 8 with 5 earlier streams each, CUPED", cuped, openDesign},
	} {
		null, _, n, _ := rejectionRateVR(sims/2, 21, c.opt(benchOptions), c.design(1), 1)
		power, _, _, vr := rejectionRateVR(sims/2, 22, c.opt(benchOptions), c.design(1.3), 1)
		bound := 0.05 + 2*math.Sqrt(0.05*0.95/float64(n))
		fmt.Printf("| %s | %d | %.3f | %.3f | %.2f |\n", c.name, n, null, power, vr)
		if null > bound {
			t.Errorf("%s null: %.3f > %.3f", c.name, null, bound)
		}
	}
}
