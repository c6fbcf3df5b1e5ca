package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/escape"
	"github.com/postlive/postlive/experiments"
	"github.com/postlive/postlive/plan"
	"github.com/postlive/postlive/workspace"
)

type planOptions struct {
	streams    string
	hosts      string
	dates      string
	start      string
	zone       string
	platform   string
	minutes    int
	experiment string
	variants   string
	tested     string
	metric     string
	alpha      float64
	minEffect  float64
	power      float64
	allocation string
	block      string
	seed       uint64
	candidates int
	format     string
	writePlan  string
	replace    bool
	dryRun     bool
	wait       time.Duration
}

func newPlanCmd(e *env) *cobra.Command {
	var o planOptions
	c := &cobra.Command{
		Use:   "plan",
		Short: "Plan an experiment: assign variants to upcoming streams at random within blocks and pre-register it",
		Long: `Plan assigns the variants of an experiment to the upcoming streams before they
run, at random within blocks (host × weekday/weekend by default, --block),
keeping the allocation (--allocation 2:1 = two control streams per variant
stream), and re-randomises for balance: it draws --candidates seeded
assignments and keeps the best on a stated criterion (docs/statistics.md
§ Planning an experiment). The streams come from a stream plan file in the
generic streams format (--streams FILE: every row is a stream to plan) or
from --hosts and --dates (one stream per host and date at --start in
--timezone).

It prints the schedule (--format csv or json for the rows), how many streams
per arm the test needs to detect --min-effect on the primary metric at --alpha
with --power, estimated from the hosts' earlier streams in the warehouse with
the analysis the test will run (a range beside it), and records the plan as a
pre-registration: plans/<experiment>.json with its SHA-256 in
plans/registry.csv. The next build analyses the experiment with the plan's
assignment (intention to treat, within the plan's blocks) and lists the
deviations; a plan edited after registration is flagged. An experiment that is
already planned is refused unless --replace (the old plan is kept).
--write-plan FILE writes the stream plan with experiment_id, variant and
tested_variable filled in, ready for postlive import streams. --dry-run prints
without recording.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			ws, err := e.openWorkspace(!o.dryRun, o.wait)
			if err != nil {
				return err
			}
			defer ws.close()
			return runPlan(cmd.Context(), e, ws, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.streams, "streams", "", "stream plan file (generic streams CSV: stream_id, affiliate_id, started_at as 2026-12-01T19:00:00-05:00 or a local time in the row's timezone, timezone, platform, …)")
	f.StringVar(&o.hosts, "hosts", "", "instead of --streams: hosts (affiliate ids), comma-separated")
	f.StringVar(&o.dates, "dates", "", "with --hosts: dates, comma-separated or a range 2026-12-01..2026-12-14")
	f.StringVar(&o.start, "start", "19:00", "with --hosts: the local start time of each stream")
	f.StringVar(&o.zone, "timezone", "UTC", "with --hosts: the streams' IANA time zone")
	f.StringVar(&o.platform, "platform", "", "with --hosts: the streams' platform")
	f.IntVar(&o.minutes, "minutes", 60, "with --hosts: each stream's planned length in minutes")
	f.StringVar(&o.experiment, "experiment", "", "experiment id (required)")
	f.StringVar(&o.variants, "variants", "", "variants, comma-separated, the control first (required), e.g. 20off,30off")
	f.StringVar(&o.tested, "tested-variable", "", "what the variants change, e.g. offer_amount")
	f.StringVar(&o.metric, "metric", "", "primary metric: rpv, cvr_click, ctr or aov (default experiments.<id>.primary_metric)")
	f.Float64Var(&o.alpha, "alpha", 0, "level of the test (default experiments.<id>.alpha)")
	f.Float64Var(&o.minEffect, "min-effect", 0.10, "the smallest relative lift worth detecting (0.10 = +10 %)")
	f.Float64Var(&o.power, "power", 0.80, "the power to detect --min-effect")
	f.StringVar(&o.allocation, "allocation", "", "streams per arm in proportion, e.g. 1:1 or 2:1 (default an even split)")
	f.StringVar(&o.block, "block", strings.Join(plan.DefaultBlockBy, ","), "block keys, comma-separated: host, weekday (weekday/weekend), daypart; none for one block")
	f.Uint64Var(&o.seed, "seed", 1, "random seed; the same streams, options and seed give the same schedule")
	f.IntVar(&o.candidates, "candidates", 100, "re-randomisation: draw this many assignments and keep the best balanced (1: none)")
	addFormatFlag(c, &o.format, "csv/json print the schedule's rows", tableFormats...)
	f.StringVar(&o.writePlan, "write-plan", "", "write the stream plan with experiment_id, variant and tested_variable filled in to FILE")
	f.BoolVar(&o.replace, "replace", false, "plan an experiment that is already planned again (the old plan moves to plans/replaced/)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the schedule without recording it")
	f.DurationVar(&o.wait, "wait", 0, "wait this long for another postlive process to release the workspace")
	return c
}

func (o *planOptions) check() error {
	switch {
	case o.experiment == "":
		return usagef("--experiment is required: the id the streams will carry in experiment_id")
	case o.variants == "":
		return usagef("--variants is required: the variants, the control first, e.g. --variants 20off,30off")
	case o.streams == "" && o.hosts == "":
		return usagef("name the upcoming streams: --streams FILE (a stream plan) or --hosts ana,ben --dates 2026-12-01..2026-12-14")
	case o.streams != "" && o.hosts != "":
		return usagef("--streams and --hosts both name the streams; pass one of them")
	case o.hosts != "" && o.dates == "":
		return usagef("--hosts needs --dates, e.g. --dates 2026-12-01..2026-12-14 or --dates 2026-12-01,2026-12-03")
	case !(o.minEffect > 0):
		return usagef("--min-effect %g: give the smallest relative lift worth detecting, e.g. 0.10 for +10 %%", o.minEffect)
	case !(o.power > 0 && o.power < 1):
		return usagef("--power %g is not between 0 and 1", o.power)
	case o.alpha != 0 && !(o.alpha > 0 && o.alpha < 1):
		return usagef("--alpha %g is not between 0 and 1", o.alpha)
	case o.candidates < 1:
		return usagef("--candidates %d: draw at least 1", o.candidates)
	}
	return nil
}

// parseAllocation reads "2:1" (or "2,1") into one weight per variant.
func parseAllocation(s string, k int) ([]float64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' })
	if len(parts) != k {
		return nil, usagef("--allocation %q has %d parts for %d variants; write one number per variant, e.g. 2:1", s, len(parts), k)
	}
	out := make([]float64, k)
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(x > 0) {
			return nil, usagef("--allocation %q: %q is not a positive number", s, p)
		}
		out[i] = x
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// planFile is the stream plan file as read, kept for --write-plan.
type planFile struct {
	header []string
	rows   [][]string
}

var startLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}

// readStreamPlan reads the streams to plan from a generic streams CSV.
func readStreamPlan(path, experiment string) ([]plan.Stream, *planFile, []string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, usagef("read %s: %v", path, err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil, nil, usagef("%s:1:1: no header: %v; the stream plan is a CSV with stream_id, affiliate_id, started_at, … (docs/formats.md)", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"stream_id", "affiliate_id", "started_at"} {
		if _, ok := col[need]; !ok {
			return nil, nil, nil, usagef("%s:1:1: no %s column; the stream plan needs stream_id, affiliate_id and started_at (docs/formats.md)", path, need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(escape.UnCSV(rec[i]))
		}
		return ""
	}
	pf := &planFile{header: header}
	var streams []plan.Stream
	var problems, notes []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", path, err))
			break
		}
		pf.rows = append(pf.rows, rec)
		bad := func(name, format string, a ...any) {
			_, c := r.FieldPos(col[name])
			problems = append(problems, fmt.Sprintf("%s:%d:%d: %s: %s", path, line, c, name, fmt.Sprintf(format, a...)))
		}
		s := plan.Stream{ID: get(rec, "stream_id"), Host: get(rec, "affiliate_id"), Zone: get(rec, "timezone"), Platform: get(rec, "platform")}
		if other := get(rec, "experiment_id"); other != "" && other != experiment {
			notes = append(notes, fmt.Sprintf("%s:%d: %s is in experiment %s already; left out", path, line, s.ID, other))
			continue
		}
		if s.ID == "" {
			bad("stream_id", "empty; every stream needs an id")
			continue
		}
		if s.Host == "" {
			bad("affiliate_id", "empty; the host is part of the blocks")
			continue
		}
		loc := time.UTC
		if s.Zone != "" {
			if l, err := time.LoadLocation(s.Zone); err == nil {
				loc = l
			} else {
				bad("timezone", "%q is not an IANA time zone like America/New_York", s.Zone)
				continue
			}
		}
		text := get(rec, "started_at")
		ok := false
		for _, layout := range startLayouts {
			if t, err := time.ParseInLocation(layout, text, loc); err == nil {
				s.Start, ok = t, true
				break
			}
		}
		if !ok {
			bad("started_at", "%q is not a time; write it like 2026-12-01T19:00:00-05:00", text)
			continue
		}
		streams = append(streams, s)
	}
	if len(problems) > 0 {
		return nil, nil, nil, &usageError{strings.Join(problems, "\n")}
	}
	return streams, pf, notes, nil
}

var datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// hostStreams makes one stream per host and date.
func hostStreams(o planOptions) ([]plan.Stream, error) {
	loc, err := time.LoadLocation(o.zone)
	if err != nil {
		return nil, usagef("--timezone %q is not an IANA time zone like America/New_York", o.zone)
	}
	clock, err := time.Parse("15:04", o.start)
	if err != nil {
		return nil, usagef("--start %q is not a time of day like 19:00", o.start)
	}
	var days []time.Time
	for _, d := range splitList(o.dates) {
		from, to, isRange := strings.Cut(d, "..")
		if !datePattern.MatchString(from) || (isRange && !datePattern.MatchString(to)) {
			return nil, usagef("--dates %q: write dates like 2026-12-01, comma-separated, or a range 2026-12-01..2026-12-14", d)
		}
		a, err1 := time.ParseInLocation("2006-01-02", from, loc)
		b := a
		var err2 error
		if isRange {
			b, err2 = time.ParseInLocation("2006-01-02", to, loc)
		}
		if err1 != nil || err2 != nil || b.Before(a) {
			return nil, usagef("--dates %q is not a date or a range from an earlier to a later date", d)
		}
		for t := a; !t.After(b); t = t.AddDate(0, 0, 1) {
			days = append(days, t)
		}
	}
	var out []plan.Stream
	for _, day := range days {
		for _, h := range splitList(o.hosts) {
			start := time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, loc)
			out = append(out, plan.Stream{ID: fmt.Sprintf("%s-%s-%s", o.experiment, day.Format("2006-01-02"), h),
				Host: h, Start: start, Zone: o.zone, Platform: o.platform})
		}
	}
	return out, nil
}

func runPlan(ctx context.Context, e *env, ws *session, o planOptions) error {
	variants := splitList(o.variants)
	if len(variants) < 2 {
		return usagef("--variants %q: name at least two variants, the control first", o.variants)
	}
	weights, err := parseAllocation(o.allocation, len(variants))
	if err != nil {
		return err
	}
	var blockBy []string
	if o.block != "none" {
		for _, k := range splitList(o.block) {
			if !slices.Contains(plan.BlockKeys, k) {
				return usagef("--block %q: %q is not one of %s (or none)", o.block, k, strings.Join(plan.BlockKeys, ", "))
			}
			blockBy = append(blockBy, k)
		}
	}
	defaults := ws.Config.ModelSettings().ExperimentDefaults
	metric, alpha := defaults.PrimaryMetric, defaults.Alpha
	if x, ok := ws.Config.Experiments[o.experiment]; ok {
		metric, alpha = x.PrimaryMetric, x.Alpha
	}
	if o.metric != "" {
		metric = o.metric
	}
	if o.alpha != 0 {
		alpha = o.alpha
	}
	if !slices.Contains(workspace.PrimaryMetrics(), metric) {
		return usagef("--metric %q is not one of %s", metric, strings.Join(workspace.PrimaryMetrics(), ", "))
	}

	var streams []plan.Stream
	var pf *planFile
	var notes []string
	source := ""
	if o.streams != "" {
		streams, pf, notes, err = readStreamPlan(o.streams, o.experiment)
		source = o.streams
	} else {
		streams, err = hostStreams(o)
		source = "--hosts " + o.hosts + " --dates " + o.dates
	}
	if err != nil {
		return err
	}
	now := e.now().UTC()
	var past int
	for _, s := range streams {
		if s.Start.Before(now) {
			past++
		}
	}
	if past > 0 {
		notes = append(notes, fmt.Sprintf("%d of the %d streams start before now (%s UTC): a plan registers the assignment before the streams run",
			past, len(streams), now.Format("2006-01-02 15:04")))
	}
	sch, err := plan.Plan(streams, plan.Options{Variants: variants, Weights: weights, BlockBy: blockBy, Seed: o.seed, Candidates: o.candidates})
	if err != nil {
		return usagef("%v", err)
	}
	need, err := planNeed(ctx, ws, sch, metric, alpha, o)
	if err != nil {
		return err
	}

	rec := workspace.PlanRecord{ExperimentID: o.experiment, TestedVariable: o.tested, Variants: variants,
		Allocation: sch.Weights, PrimaryMetric: metric, Alpha: alpha, MinEffect: o.minEffect, Power: o.power,
		BlockBy: sch.BlockBy, Seed: o.seed, Candidates: sch.Candidates, Chosen: sch.Chosen, Criterion: plan.Criterion,
		BlockShare: sch.Balance.BlockShare, Covariate: sch.Balance.Covariate, PlannedPerArm: sch.PerArm,
		NeededPerArm: need.PerArm, NeededLow: need.Low, NeededHigh: need.High, NeededBasis: need.Describe(),
		Analysis: "randomisation test within the plan's blocks, intention to treat: every planned stream that ran is analysed with its planned variant; missing and extra streams are left out",
		Source:   source, PlannedAt: now.Truncate(time.Second)}
	if rec.Allocation == nil {
		rec.Allocation = sch.Weights
	}
	for _, a := range sch.Streams {
		rec.Streams = append(rec.Streams, workspace.PlanStreamRecord{StreamID: a.ID, Host: a.Host, StartedAt: a.Start.UTC(),
			Zone: a.Zone, Block: a.Block, Variant: a.Variant})
	}

	if o.format != "table" {
		if err := writeTable(e.stdout, scheduleTable(sch), o.format); err != nil {
			return err
		}
	} else {
		if _, err := io.WriteString(e.stdout, escapeLines(planText(rec, sch, need, notes))); err != nil {
			return err
		}
	}
	if o.writePlan != "" {
		if err := writeStreamPlan(o.writePlan, pf, sch, o); err != nil {
			return err
		}
	}
	if o.dryRun {
		if o.format == "table" {
			fmt.Fprintln(e.stdout, "dry run: nothing recorded")
		}
		return nil
	}
	path, hash, err := ws.RegisterPlan(rec, o.replace)
	var exists *workspace.ErrPlanExists
	if errors.As(err, &exists) {
		return &usageError{err.Error()}
	}
	if err != nil {
		return err
	}
	out := e.stdout
	if o.format != "table" {
		out = e.stderr
	}
	fmt.Fprintf(out, "registered %s (sha256 %s); the next build analyses %s with this assignment\n", path, hash[:16], o.experiment)
	return nil
}

// planNeed estimates the streams needed from the hosts' earlier streams in
// the warehouse (none: the assumption of plan.StreamsNeeded).
func planNeed(ctx context.Context, ws *session, sch plan.Schedule, metric string, alpha float64, o planOptions) (plan.Need, error) {
	var hist []plan.Earlier
	db, err := ws.OpenWarehouse(ctx)
	var nw *workspace.ErrNoWarehouse
	switch {
	case errors.As(err, &nw):
	case err != nil:
		return plan.Need{}, err
	default:
		defer db.Close()
		hist, err = readHistory(ctx, db, sch, metric)
		if err != nil {
			return plan.Need{}, err
		}
	}
	return plan.StreamsNeeded(hist, o.minEffect, alpha, o.power, sch.Weights), nil
}

var identifier = regexp.MustCompile(`^[a-z_]+$`)

// readHistory reads the planned hosts' last 20 streams before the first
// planned stream that are in no experiment or in an experiment's control
// arm (no variant's effect in them): the primary metric's numerator and
// denominator (int_experiment_metrics names their columns).
func readHistory(ctx context.Context, db *sql.DB, sch plan.Schedule, metric string) ([]plan.Earlier, error) {
	var num, den string
	err := db.QueryRowContext(ctx, `select numerator_name, denominator_name from int_experiment_metrics where metric = $1`, metric).Scan(&num, &den)
	if err != nil {
		return nil, fmt.Errorf("read int_experiment_metrics (run postlive build if the warehouse is older than postlive plan): %w", err)
	}
	if !identifier.MatchString(num) || !identifier.MatchString(den) {
		return nil, fmt.Errorf("int_experiment_metrics names %q/%q, not columns", num, den)
	}
	var hosts []string
	first := sch.Streams[0].Start
	for _, a := range sch.Streams {
		if !slices.Contains(hosts, a.Host) {
			hosts = append(hosts, a.Host)
		}
	}
	hostList := strings.Join(hosts, "\x1f")
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`
select kpis.affiliate_id, cast(kpis.%s as double), cast(kpis.%s as double)
from stream_kpis as kpis
left join int_experiment_setup as setup on setup.experiment_id = trim(kpis.experiment_id)
where list_contains(string_split($1, chr(31)), kpis.affiliate_id)
    and (nullif(trim(kpis.experiment_id), '') is null or trim(kpis.variant) = setup.control)
    and kpis.started_at < cast($2 as timestamp)
qualify row_number() over (partition by kpis.affiliate_id order by kpis.started_at desc, kpis.stream_id desc) <= 20`, num, den),
		hostList, first.UTC().Format("2006-01-02 15:04:05"))
	if err != nil {
		return nil, fmt.Errorf("read the hosts' earlier streams: %w", err)
	}
	defer rows.Close()
	var out []plan.Earlier
	for rows.Next() {
		var h plan.Earlier
		var m, d sql.NullFloat64
		if err := rows.Scan(&h.Host, &m, &d); err != nil {
			return nil, err
		}
		if m.Valid && d.Valid {
			h.M, h.D = m.Float64, d.Float64
			out = append(out, h)
		}
	}
	return out, rows.Err()
}

// scheduleTable is the schedule as rows for --format csv/json.
func scheduleTable(sch plan.Schedule) *table {
	t := &table{cols: []string{"stream_id", "host", "started_at", "timezone", "weekday", "daypart", "block", "variant"}}
	for range t.cols {
		t.types = append(t.types, "VARCHAR")
	}
	for _, a := range sch.Streams {
		zone := a.Zone
		if zone == "" {
			zone = "UTC"
		}
		start := a.Start.UTC()
		if loc, err := time.LoadLocation(zone); err == nil {
			start = a.Start.In(loc)
		}
		t.rows = append(t.rows, []string{a.ID, a.Host, start.Format("2006-01-02T15:04-07:00"), zone, a.Weekday, a.Daypart, a.Block, a.Variant})
		t.nulls = append(t.nulls, make([]bool, len(t.cols)))
	}
	return t
}

func ratioText(ws []float64) string {
	min := ws[0]
	for _, w := range ws {
		if w < min {
			min = w
		}
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = strconv.FormatFloat(w/min, 'g', 3, 64)
	}
	return strings.Join(parts, ":")
}

func intsText(xs []int, names []string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%s %d", names[i], x)
	}
	return strings.Join(parts, ", ")
}

// needText words the streams needed with their range: "433 per arm
// (157–1107)", or per arm when the allocation is uneven.
func needText(need plan.Need, variants []string) string {
	same := true
	for i := range need.PerArm {
		same = same && need.PerArm[i] == need.PerArm[0] && need.Low[i] == need.Low[0] && need.High[i] == need.High[0]
	}
	if same {
		return fmt.Sprintf("%d per arm (range %d–%d)", need.PerArm[0], need.Low[0], need.High[0])
	}
	parts := make([]string, len(variants))
	for i, v := range variants {
		parts[i] = fmt.Sprintf("%s %d (%d–%d)", v, need.PerArm[i], need.Low[i], need.High[i])
	}
	return strings.Join(parts, ", ")
}

// planText is the table output of plan.
func planText(rec workspace.PlanRecord, sch plan.Schedule, need plan.Need, notes []string) string {
	var b strings.Builder
	tested := ""
	if rec.TestedVariable != "" {
		tested = " (" + rec.TestedVariable + ")"
	}
	blocks := strings.Join(sch.BlockBy, " × ")
	if blocks == "" {
		blocks = "none (one block)"
	}
	fmt.Fprintf(&b, "%s%s: %s against control %s; primary metric %s, α = %s, minimum effect %+.0f %%\n",
		rec.ExperimentID, tested, strings.Join(rec.Variants[1:], ", "), rec.Variants[0], metricName(rec.PrimaryMetric),
		strconv.FormatFloat(rec.Alpha, 'f', -1, 64), rec.MinEffect*100)
	fmt.Fprintf(&b, "%d streams in %d blocks (%s), allocation %s: %s\n", len(sch.Streams), sch.Blocks, blocks,
		ratioText(sch.Weights), intsText(sch.PerArm, rec.Variants))
	fmt.Fprintf(&b, "balance: best of %d seeded candidates (seed %d, kept #%d): largest block share off the allocation %.3f, largest covariate share off %.3f (the first candidate: %.3f, %.3f)\n",
		sch.Candidates, rec.Seed, sch.Chosen+1, sch.Balance.BlockShare, sch.Balance.Covariate, sch.First.BlockShare, sch.First.Covariate)
	if sch.SingletonBlocks > 0 {
		fmt.Fprintf(&b, "note: %d block(s) hold fewer streams than arms; their streams add nothing to the within-block comparison\n", sch.SingletonBlocks)
	}
	for _, n := range notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	b.WriteString("\n")
	t := scheduleTable(sch)
	var tb strings.Builder
	_ = writeText(&tb, t)
	b.WriteString(tb.String())
	b.WriteString("\n")
	if need.Reason != "" && need.Reason != experiments.OK {
		fmt.Fprintf(&b, "streams needed: unknown; %s\n", need.Describe())
	} else {
		fmt.Fprintf(&b, "streams needed to detect %+.0f %% %s at α = %s with %.0f %% power: %s; %d planned (%s)\n",
			rec.MinEffect*100, metricName(rec.PrimaryMetric), strconv.FormatFloat(rec.Alpha, 'f', -1, 64), rec.Power*100,
			needText(need, rec.Variants), len(sch.Streams), intsText(sch.PerArm, rec.Variants))
		fmt.Fprintf(&b, "  %s\n", need.Describe())
		if need.Total > len(sch.Streams) {
			fmt.Fprintf(&b, "  the plan has %d streams of the %d needed: plan more streams, or expect only a larger effect to show\n", len(sch.Streams), need.Total)
		}
	}
	return b.String()
}

// writeStreamPlan writes the stream plan with experiment_id, variant and
// tested_variable set for the planned streams: a copy of the --streams file
// (columns added when missing), or a new one for --hosts.
func writeStreamPlan(path string, pf *planFile, sch plan.Schedule, o planOptions) error {
	variant := map[string]string{}
	for _, a := range sch.Streams {
		variant[a.ID] = a.Variant
	}
	var header []string
	var rows [][]string
	if pf == nil {
		header = []string{"stream_id", "affiliate_id", "started_at", "ended_at", "platform", "timezone"}
		for _, a := range sch.Streams {
			rows = append(rows, []string{a.ID, a.Host, a.Start.Format(time.RFC3339),
				a.Start.Add(time.Duration(o.minutes) * time.Minute).Format(time.RFC3339), a.Platform, a.Zone})
		}
	} else {
		header = append([]string(nil), pf.header...)
		for _, r := range pf.rows {
			row := make([]string, len(r))
			for i := range r {
				row[i] = escape.UnCSV(r[i])
			}
			rows = append(rows, row)
		}
	}
	col := func(name string) int {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), name) {
				return i
			}
		}
		header = append(header, name)
		for i := range rows {
			rows[i] = append(rows[i], "")
		}
		return len(header) - 1
	}
	idCol := col("stream_id")
	expCol, varCol, testCol := col("experiment_id"), col("variant"), col("tested_variable")
	for i := range rows {
		for len(rows[i]) < len(header) {
			rows[i] = append(rows[i], "")
		}
		if v, ok := variant[strings.TrimSpace(rows[i][idCol])]; ok {
			rows[i][expCol], rows[i][varCol], rows[i][testCol] = o.experiment, v, o.tested
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	esc := func(r []string) []string {
		out := make([]string, len(header))
		for i := range out {
			if i < len(r) {
				out[i] = escape.CSV(r[i])
			}
		}
		return out
	}
	_ = w.Write(esc(header))
	for _, r := range rows {
		_ = w.Write(esc(r))
	}
	w.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
