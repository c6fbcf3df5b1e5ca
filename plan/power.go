package plan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/postlive/postlive/experiments"
)

// Earlier is one earlier stream of a planned host, outside any
// experiment: the primary metric's numerator and denominator.
type Earlier struct {
	Host string
	M, D float64
}

// Need is how many streams the test needs.
type Need struct {
	// PerArm is the streams per arm (the variants' order, at the
	// allocation) that detect MinEffect with Power; Low–High its range
	// from the uncertainty of the variance (experiments.PlanLog, at level
	// alpha on its degrees of freedom). Total is the sum of PerArm.
	PerArm    []int
	Low, High []int
	Total     int
	// Method is the analysis the variance was estimated with
	// (experiments.Method*): host-blocked when the hosts' history allows it.
	Method string
	// Streams and Hosts are the history the variance rests on.
	Streams, Hosts int
	// Assumed is true when there was no usable history: the variance is
	// AssumedSD on the log scale, Low and High for AssumedLow–AssumedHigh.
	Assumed bool
	// Reason is non-empty when no number could be given.
	Reason experiments.Reason
}

// The assumed spread without history: the per-stream standard deviation of
// the log of the metric, and the range shown beside it.
const (
	AssumedSD   = 0.5
	AssumedLow  = 0.3
	AssumedHigh = 0.8
)

// splits is the number of A/A splits of the history the variance is averaged over.
const splits = 40

// StreamsNeeded estimates the streams per arm that detect the relative
// lift minEffect at level alpha with the given power, for weights (the
// allocation, normalised). It splits the hosts' history at random into two
// pseudo-arms within each host (an A/A test: no effect), runs the analysis
// experiment_results runs on it (experiments.Analyse: host-blocked when the
// hosts have the streams for it, which also absorbs the host-level
// covariate adjustment; CUPED or plain otherwise), averages the squared
// standard error of the log ratio over the splits, and hands it to
// experiments.PlanLog, the plan of experiment_results. PlanLog solves for
// equal arms; with an allocation w the arms are scaled so that
// 1/n_A + 1/n_B stays the same.
func StreamsNeeded(hist []Earlier, minEffect, alpha, power float64, weights []float64) Need {
	byHost := map[string][]Earlier{}
	var hosts []string
	for _, h := range hist {
		if !(h.D > 0) || h.M < 0 || math.IsNaN(h.M) || math.IsInf(h.M+h.D, 0) {
			continue
		}
		if byHost[h.Host] == nil {
			hosts = append(hosts, h.Host)
		}
		byHost[h.Host] = append(byHost[h.Host], h)
	}
	sort.Strings(hosts)
	var n int
	for _, h := range hosts {
		n += len(byHost[h])
	}
	if n < 4 {
		return assumed(minEffect, alpha, power, weights, n, len(hosts))
	}
	var sum float64
	var got int
	var an experiments.Analysis
	var kA, kB int
	for s := 0; s < splits; s++ {
		rng := rand.New(rand.NewPCG(uint64(s)+1, 0x9e3779b97f4a7c15))
		var units []experiments.Unit
		// alternate within host so each host's streams split evenly; an odd
		// stream of a host goes to a random arm
		for _, h := range hosts {
			xs := append([]Earlier(nil), byHost[h]...)
			rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
			flip := rng.IntN(2) == 1
			for i, x := range xs {
				units = append(units, experiments.Unit{Variant: (i%2 == 1) != flip, Host: h, M: x.M, D: x.D})
			}
		}
		var a, b int
		for _, u := range units {
			if u.Variant {
				b++
			} else {
				a++
			}
		}
		r := experiments.Analyse(units, experiments.AnalysisOptions{Alpha: alpha, NoInterval: true, MaxExact: 1, Samples: 1, PlanBlocks: true})
		if r.Reason != experiments.OK || !(r.SE > 0) {
			continue
		}
		sum += r.SE * r.SE / (1/float64(a) + 1/float64(b))
		got++
		if got == 1 || r.DF < an.DF {
			an, kA, kB = r, a, b
		}
	}
	if got == 0 {
		return assumed(minEffect, alpha, power, weights, n, len(hosts))
	}
	s2 := sum / float64(got)
	an.SE = math.Sqrt(s2 * (1/float64(kA) + 1/float64(kB)))
	p := experiments.PlanLog(an, kA, kB, minEffect, alpha, power)
	if p.Reason != experiments.OK {
		return Need{Reason: p.Reason, Method: an.Method, Streams: n, Hosts: len(hosts)}
	}
	need := Need{Method: an.Method, Streams: n, Hosts: len(hosts)}
	need.PerArm, need.Total = scale(p.StreamsNeeded, weights)
	need.Low, _ = scale(p.StreamsLow, weights)
	need.High, _ = scale(p.StreamsHigh, weights)
	return need
}

// assumed plans with AssumedSD when there is no usable history.
func assumed(minEffect, alpha, power float64, weights []float64, n, hosts int) Need {
	at := func(sd float64) (int, experiments.Reason) {
		// 1000 streams per arm with per-stream SD sd: PlanLog's variance is sd²
		const k = 1000
		a := experiments.Analysis{SE: sd * math.Sqrt(2.0/k), DF: 2*k - 2}
		p := experiments.PlanLog(a, k, k, minEffect, alpha, power)
		return p.StreamsNeeded, p.Reason
	}
	mid, r1 := at(AssumedSD)
	lo, r2 := at(AssumedLow)
	hi, r3 := at(AssumedHigh)
	for _, r := range []experiments.Reason{r1, r2, r3} {
		if r != experiments.OK {
			return Need{Reason: r, Assumed: true, Streams: n, Hosts: hosts}
		}
	}
	need := Need{Assumed: true, Streams: n, Hosts: hosts}
	need.PerArm, need.Total = scale(mid, weights)
	need.Low, _ = scale(lo, weights)
	need.High, _ = scale(hi, weights)
	return need
}

// scale turns n streams per arm at equal arms into per-arm counts at the
// allocation weights, each arm compared with the control (weights[0]): the
// total T with 1/(T·w₀) + 1/(T·w_v) = 2/n for the smallest variant arm.
func scale(n int, weights []float64) ([]int, int) {
	out := make([]int, len(weights))
	if len(weights) == 0 {
		return out, 0
	}
	var t float64
	for v := 1; v < len(weights); v++ {
		need := float64(n) / 2 * (1/weights[0] + 1/weights[v])
		t = math.Max(t, need)
	}
	total := 0
	for i, w := range weights {
		out[i] = int(math.Ceil(t*w - 1e-9))
		total += out[i]
	}
	return out, total
}

// Describe says where the variance of need came from, in words.
func (need Need) Describe() string {
	switch {
	case need.Reason != "" && need.Reason != experiments.OK:
		return fmt.Sprintf("the hosts' history (%d streams) gives no estimate (%s)", need.Streams, need.Reason)
	case need.Assumed && need.Streams == 0:
		return fmt.Sprintf("no earlier streams of these hosts in the warehouse: assuming a per-stream spread of %.0f %% (log-scale SD %.1f; range for %.1f–%.1f)",
			AssumedSD*100, AssumedSD, AssumedLow, AssumedHigh)
	case need.Assumed:
		return fmt.Sprintf("only %d earlier streams of these hosts: assuming a per-stream spread of %.0f %% (log-scale SD %.1f; range for %.1f–%.1f)",
			need.Streams, AssumedSD*100, AssumedSD, AssumedLow, AssumedHigh)
	}
	return fmt.Sprintf("from %d earlier streams of %d hosts, analysed as the test will be (%s, A/A splits)", need.Streams, need.Hosts, need.Method)
}
