package plan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Stream is one upcoming stream to plan.
type Stream struct {
	ID       string
	Host     string
	Start    time.Time
	Zone     string // IANA time zone of the stream; "" or unknown: UTC
	Platform string
}

// Block keys: what a block can be made of (Options.BlockBy).
const (
	KeyHost    = "host"
	KeyWeekday = "weekday" // weekday or weekend, in the stream's own time zone
	KeyDaypart = "daypart" // night, morning, afternoon, evening, in the stream's own time zone
)

// BlockKeys are the keys Options.BlockBy accepts, in the order a block's
// name lists them.
var BlockKeys = []string{KeyHost, KeyWeekday, KeyDaypart}

// DefaultBlockBy is the default blocking: host × weekday/weekend.
var DefaultBlockBy = []string{KeyHost, KeyWeekday}

// Options are the design of a schedule.
type Options struct {
	// Variants are the arms, the control first.
	Variants []string
	// Weights are the allocation, one per variant (2, 1 = two control
	// streams for each variant stream); nil: an even split.
	Weights []float64
	// BlockBy are the block keys (BlockKeys); empty: one block.
	BlockBy []string
	// Seed seeds the candidates; the same streams, options and seed give
	// the same schedule.
	Seed uint64
	// Candidates is N of "the best of N": how many seeded assignments are
	// drawn and compared on Balance (default 100; 1: no re-randomisation).
	Candidates int
}

// Assignment is one stream of a schedule.
type Assignment struct {
	Stream
	Weekday string // "weekday" or "weekend"
	Daypart string
	// Block is the block the stream was randomised in: the values of the
	// block keys joined by " · ", or the host's (or the schedule's) merged
	// block "… · other" when its own block had fewer streams than arms.
	Block   string
	Variant string
}

// Balance is the criterion the re-randomisation minimises, compared in order:
//
//   - BlockShare: the largest |share of a block's streams in an arm −
//     the arm's allocation| over blocks and arms (0 when every block splits
//     exactly as the allocation);
//   - Covariate: the largest |share of an arm's streams on a level of a
//     block key − the share of all streams on that level| over the block
//     keys (host, weekday, daypart as chosen), their levels and the arms: an
//     arm that holds more of one host's or of the weekend streams than the
//     schedule does.
//
// Both depend only on how many streams of each block go to each arm, so
// the re-randomisation chooses where the odd streams of the blocks go, and
// within a block every arrangement of those counts stays equally likely:
// the analysis's re-assignments within the plan's blocks are exactly the
// plan's randomisation.
type Balance struct {
	BlockShare float64
	Covariate  float64
}

// Less reports whether b is better balanced than o.
func (b Balance) Less(o Balance) bool {
	const eps = 1e-12
	if math.Abs(b.BlockShare-o.BlockShare) > eps {
		return b.BlockShare < o.BlockShare
	}
	return b.Covariate < o.Covariate-eps
}

// Criterion states Balance in words (recorded with the plan).
const Criterion = "best of N seeded candidates on: (1) the largest |block share − allocation| over blocks and arms, " +
	"then (2) the largest |arm's share on a level of a block key − all streams' share on it| over keys, levels and arms"

// Schedule is a planned experiment's assignment.
type Schedule struct {
	Streams []Assignment // sorted by start, then stream id
	// PerArm are the planned streams per variant (Options.Variants' order).
	PerArm []int
	// Chosen is the index of the candidate kept (0-based; its seed is
	// Options.Seed with stream Chosen); Balance its criterion, First the
	// first candidate's (what one seed without re-randomisation gives).
	Chosen          int
	Balance, First  Balance
	Candidates      int
	Blocks          int
	Weights         []float64 // normalised to sum 1
	BlockBy         []string
	SingletonBlocks int // blocks with fewer streams than arms, even after merging
}

// Daypart is the part of the day a local hour falls in, as
// int_experiment_streams defines it: night 22–4 h, morning 5–11 h,
// afternoon 12–16 h, evening 17–21 h.
func Daypart(hour int) string {
	switch {
	case hour >= 5 && hour <= 11:
		return "morning"
	case hour >= 12 && hour <= 16:
		return "afternoon"
	case hour >= 17 && hour <= 21:
		return "evening"
	}
	return "night"
}

// local returns the stream's start in its own zone (UTC when it names none
// or one Go does not know).
func local(s Stream) time.Time {
	if s.Zone != "" {
		if loc, err := time.LoadLocation(s.Zone); err == nil {
			return s.Start.In(loc)
		}
	}
	return s.Start.UTC()
}

// Plan assigns the variants to streams (see Options, Balance).
func Plan(streams []Stream, o Options) (Schedule, error) {
	k := len(o.Variants)
	if k < 2 {
		return Schedule{}, fmt.Errorf("plan needs at least two variants (the control first); got %d", k)
	}
	seen := map[string]bool{}
	for _, v := range o.Variants {
		if strings.TrimSpace(v) == "" || seen[v] {
			return Schedule{}, fmt.Errorf("variants must be distinct and not empty; got %q", strings.Join(o.Variants, ","))
		}
		seen[v] = true
	}
	w := o.Weights
	if w == nil {
		w = make([]float64, k)
		for i := range w {
			w[i] = 1
		}
	}
	if len(w) != k {
		return Schedule{}, fmt.Errorf("the allocation has %d weights for %d variants", len(w), k)
	}
	var sum float64
	for _, x := range w {
		if !(x > 0) || math.IsInf(x, 0) {
			return Schedule{}, fmt.Errorf("allocation weights must be positive numbers")
		}
		sum += x
	}
	weights := make([]float64, k)
	for i := range w {
		weights[i] = w[i] / sum
	}
	for _, key := range o.BlockBy {
		if !validKey(key) {
			return Schedule{}, fmt.Errorf("block key %q is not one of %s", key, strings.Join(BlockKeys, ", "))
		}
	}
	if len(streams) < k {
		return Schedule{}, fmt.Errorf("%d streams cannot hold %d variants; plan at least %d", len(streams), k, k)
	}
	ids := map[string]bool{}
	for _, s := range streams {
		if s.ID == "" || ids[s.ID] {
			return Schedule{}, fmt.Errorf("stream ids must be distinct and not empty (%q)", s.ID)
		}
		ids[s.ID] = true
	}
	n := o.Candidates
	if n <= 0 {
		n = 100
	}

	as := make([]Assignment, len(streams))
	for i, s := range streams {
		t := local(s)
		a := Assignment{Stream: s, Weekday: "weekday", Daypart: Daypart(t.Hour())}
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			a.Weekday = "weekend"
		}
		as[i] = a
	}
	sort.Slice(as, func(i, j int) bool {
		if !as[i].Start.Equal(as[j].Start) {
			return as[i].Start.Before(as[j].Start)
		}
		return as[i].ID < as[j].ID
	})
	keys := orderedKeys(o.BlockBy)
	blocks := makeBlocks(as, keys, k)

	// each arm's total: the largest remainders of N·w (ties to the earlier arm)
	total := apportion(len(as), weights)

	var best []int
	var bestBal, firstBal Balance
	chosen := 0
	for c := 0; c < n; c++ {
		rng := rand.New(rand.NewPCG(o.Seed, uint64(c)))
		arm := candidate(rng, as, blocks, weights, total)
		bal := balance(as, arm, blocks, weights, total, keys)
		if c == 0 {
			firstBal = bal
			best, bestBal = arm, bal
			continue
		}
		if bal.Less(bestBal) {
			best, bestBal, chosen = arm, bal, c
		}
	}
	sch := Schedule{Chosen: chosen, Balance: bestBal, First: firstBal, Candidates: n, Blocks: len(blocks),
		Weights: weights, BlockBy: keys, PerArm: make([]int, k)}
	for i := range as {
		as[i].Variant = o.Variants[best[i]]
		sch.PerArm[best[i]]++
	}
	for _, b := range blocks {
		if len(b.idx) < k {
			sch.SingletonBlocks++
		}
	}
	sch.Streams = as
	return sch, nil
}

func validKey(key string) bool {
	for _, k := range BlockKeys {
		if k == key {
			return true
		}
	}
	return false
}

// orderedKeys puts the keys in BlockKeys' order, once each.
func orderedKeys(by []string) []string {
	var out []string
	for _, k := range BlockKeys {
		for _, b := range by {
			if b == k {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

func keyValue(a Assignment, key string) string {
	switch key {
	case KeyHost:
		return a.Host
	case KeyWeekday:
		return a.Weekday
	case KeyDaypart:
		return a.Daypart
	}
	return ""
}

type block struct {
	name string
	idx  []int // indexes into the sorted assignments
}

// makeBlocks groups the streams by the block keys. A block with fewer
// streams than arms cannot hold every arm: it is merged into its host's
// "host · other" block (when blocking on the host), and what is still too
// small into one "other" block. It sets each assignment's Block.
func makeBlocks(as []Assignment, keys []string, arms int) []block {
	byName := map[string][]int{}
	for i := range as {
		parts := make([]string, len(keys))
		for j, key := range keys {
			parts[j] = keyValue(as[i], key)
		}
		name := strings.Join(parts, " · ")
		if len(keys) == 0 {
			name = "all"
		}
		byName[name] = append(byName[name], i)
	}
	merge := func(from map[string][]int, into func(name string, idx []int) string) map[string][]int {
		out := map[string][]int{}
		for name, idx := range from {
			if len(idx) < arms {
				name = into(name, idx)
			}
			out[name] = append(out[name], idx...)
		}
		return out
	}
	hostBlocks := len(keys) > 1 && keys[0] == KeyHost
	if hostBlocks {
		byName = merge(byName, func(_ string, idx []int) string { return as[idx[0]].Host + " · other" })
	}
	if len(byName) > 1 {
		byName = merge(byName, func(string, []int) string { return "other" })
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]block, len(names))
	for i, name := range names {
		idx := byName[name]
		sort.Ints(idx)
		out[i] = block{name: name, idx: idx}
		for _, j := range idx {
			as[j].Block = name
		}
	}
	return out
}

// apportion splits n into len(w) counts by the largest remainders of n·w.
func apportion(n int, w []float64) []int {
	out := make([]int, len(w))
	rem := make([]float64, len(w))
	left := n
	for i, x := range w {
		f := float64(n) * x
		out[i] = int(math.Floor(f + 1e-9))
		rem[i] = f - float64(out[i])
		left -= out[i]
	}
	for ; left > 0; left-- {
		bi := 0
		for i := range rem {
			if rem[i] > rem[bi]+1e-12 {
				bi = i
			}
		}
		out[bi]++
		rem[bi] = -1
	}
	return out
}

// candidate draws one assignment: each block gives each arm the floor of
// its share, the arms' remaining streams are dealt to the blocks' odd
// streams at random (an arm gets at most the ceiling of its share of a block
// while another arm can take the stream), then each block's streams are
// shuffled and take the arms in order.
func candidate(rng *rand.Rand, as []Assignment, blocks []block, w []float64, total []int) []int {
	k := len(w)
	counts := make([][]int, len(blocks))
	need := append([]int(nil), total...)
	var slots []int
	for bi, b := range blocks {
		counts[bi] = make([]int, k)
		got := 0
		for a := range w {
			c := int(math.Floor(float64(len(b.idx))*w[a] + 1e-9))
			counts[bi][a] = c
			need[a] -= c
			got += c
		}
		for r := got; r < len(b.idx); r++ {
			slots = append(slots, bi)
		}
	}
	rng.Shuffle(len(slots), func(i, j int) { slots[i], slots[j] = slots[j], slots[i] })
	for _, bi := range slots {
		n := float64(len(blocks[bi].idx))
		pick := func(capped bool) int {
			var tot int
			for a := 0; a < k; a++ {
				if need[a] > 0 && (!capped || float64(counts[bi][a]) < math.Ceil(n*w[a]-1e-9)) {
					tot += need[a]
				}
			}
			if tot == 0 {
				return -1
			}
			r := rng.IntN(tot)
			for a := 0; a < k; a++ {
				if need[a] > 0 && (!capped || float64(counts[bi][a]) < math.Ceil(n*w[a]-1e-9)) {
					if r < need[a] {
						return a
					}
					r -= need[a]
				}
			}
			return -1
		}
		a := pick(true)
		if a < 0 {
			a = pick(false)
		}
		counts[bi][a]++
		need[a]--
	}
	arm := make([]int, len(as))
	for bi, b := range blocks {
		idx := append([]int(nil), b.idx...)
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		p := 0
		for a := 0; a < k; a++ {
			for c := 0; c < counts[bi][a]; c++ {
				arm[idx[p]] = a
				p++
			}
		}
	}
	return arm
}

// balance computes the criterion of an assignment (see Balance).
func balance(as []Assignment, arm []int, blocks []block, w []float64, total []int, keys []string) Balance {
	k := len(w)
	var b Balance
	for _, bl := range blocks {
		c := make([]int, k)
		for _, i := range bl.idx {
			c[arm[i]]++
		}
		for a := range w {
			b.BlockShare = math.Max(b.BlockShare, math.Abs(float64(c[a])/float64(len(bl.idx))-w[a]))
		}
	}
	for _, key := range keys {
		all := map[string]int{}
		per := map[string][]int{}
		for i := range as {
			v := keyValue(as[i], key)
			all[v]++
			if per[v] == nil {
				per[v] = make([]int, k)
			}
			per[v][arm[i]]++
		}
		for v, n := range all {
			for a := 0; a < k; a++ {
				if total[a] == 0 {
					continue
				}
				d := math.Abs(float64(per[v][a])/float64(total[a]) - float64(n)/float64(len(as)))
				b.Covariate = math.Max(b.Covariate, d)
			}
		}
	}
	return b
}

// Evaluate returns the Balance of an assignment of the schedule's streams
// (variant per stream, in Streams' order), for checking a schedule or
// comparing another assignment with it.
func (s Schedule) Evaluate(variants []string, assigned []string) Balance {
	idx := map[string]int{}
	for i, v := range variants {
		idx[v] = i
	}
	arm := make([]int, len(s.Streams))
	total := make([]int, len(variants))
	byName := map[string][]int{}
	var names []string
	for i, a := range s.Streams {
		arm[i] = idx[assigned[i]]
		total[arm[i]]++
		if byName[a.Block] == nil {
			names = append(names, a.Block)
		}
		byName[a.Block] = append(byName[a.Block], i)
	}
	blocks := make([]block, len(names))
	for i, n := range names {
		blocks[i] = block{name: n, idx: byName[n]}
	}
	return balance(s.Streams, arm, blocks, s.Weights, total, s.BlockBy)
}
