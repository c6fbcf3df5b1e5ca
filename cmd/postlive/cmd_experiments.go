package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/experiments"
	"github.com/postlive/postlive/reports"
)

type experimentsOptions struct {
	format     string
	experiment string
}

func newExperimentsCmd(e *env) *cobra.Command {
	var o experimentsOptions
	c := &cobra.Command{
		Use:   "experiments",
		Short: "Show stream-level A/B results: lifts, intervals, p-values and verdicts",
		Long: `Experiments prints the experiment_results mart: for every experiment, each
non-control variant against the control on rpv, cvr_click, ctr and aov, with the
stream as the unit (docs/statistics.md). The decision is a randomisation test:
the studentised log ratio over every re-assignment of the streams to the arms
(within host when hosts streamed in both arms; adjusted for each host's earlier
streams otherwise). One line per metric × variant gives the relative lift with
its interval (the test inverted: never below −100 %), the p-value, the
Holm-adjusted p-value across the experiment's tests and the verdict in words, e.g.

  RPV +6.8 % (−1.8 % to +16.9 %), p 0.130, adjusted 0.260: not significant; ~9 streams per arm (5–27) would detect +10 %

followed by the experiment's warnings (an interim result before the planned
streams, a within-host comparison, sample-ratio mismatch against
experiments.<id>.allocation, arms that differ in platform, host, weekday, start
hour or duration, degenerate data). The control,
primary metric, planned streams and alpha come from experiments.<id>.* in
postlive.yaml (read at build time). An experiment planned with postlive plan
takes them from its plan, is analysed with the plan's assignment (intention to
treat, re-assigned within the plan's blocks) and is followed by its plan and
every deviation: a stream that ran another variant, a planned stream missing,
an extra stream (plan adherence replaces the sample-ratio check; a plan edited
after registration is flagged). --format csv or json prints the mart's rows
with all their columns.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := e.openWorkspace(false, 0)
			if err != nil {
				return err
			}
			db, err := openWarehouse(cmd.Context(), ws)
			if err != nil {
				return err
			}
			defer db.Close()
			return runExperiments(cmd.Context(), e.stdout, db, o)
		},
	}
	addFormatFlag(c, &o.format, "csv/json print the mart's rows", tableFormats...)
	c.Flags().StringVar(&o.experiment, "experiment", "", "only this experiment id")
	return c
}

// experimentsOrder puts each experiment's primary metric first.
const experimentsOrder = `
order by experiment_id, is_primary desc,
    case metric when 'rpv' then 0 when 'cvr_click' then 1 when 'ctr' then 2 when 'aov' then 3 else 4 end,
    variant`

func runExperiments(ctx context.Context, w io.Writer, db *sql.DB, o experimentsOptions) error {
	var n int
	if err := db.QueryRowContext(ctx,
		`select count(*) from information_schema.tables where table_name = 'experiment_results'`).Scan(&n); err != nil {
		return fmt.Errorf("look up experiment_results: %w", err)
	}
	if n == 0 {
		return usagef("the warehouse has no experiment_results yet; run `postlive build`")
	}
	if o.format != "table" {
		t, err := queryTable(ctx, db, `select * from experiment_results where $1 = '' or experiment_id = $1`+experimentsOrder, o.experiment)
		if err != nil {
			return fmt.Errorf("read experiment_results: %w", err)
		}
		return writeTable(w, t, o.format)
	}
	rows, err := readExperimentRows(ctx, db, o.experiment)
	if err != nil {
		return err
	}
	plans, err := readPlanLines(ctx, db)
	if err != nil {
		return err
	}
	// planned experiments without results yet (no planned stream has data)
	var waiting []string
	for id := range plans {
		if (o.experiment == "" || o.experiment == id) && !slices.ContainsFunc(rows, func(x experimentRow) bool { return x.experimentID == id }) {
			waiting = append(waiting, id)
		}
	}
	sort.Strings(waiting)
	if len(rows) == 0 && len(waiting) == 0 {
		if o.experiment != "" {
			return usagef("no results for experiment %q; `postlive query \"select distinct experiment_id from stream_kpis\"` lists the experiments", o.experiment)
		}
		fmt.Fprintln(w, "No experiments: no stream has both an experiment_id and a variant (or an experiment has only one variant).")
		return nil
	}
	text := experimentsTextWithPlans(rows, plans)
	for _, id := range waiting {
		if text != "" {
			text += "\n"
		}
		text += id + ": planned; no result yet (no two arms have a planned stream with data)\n"
		for _, line := range plans[id] {
			text += "  " + line + "\n"
		}
	}
	_, err = io.WriteString(w, escapeLines(text))
	return err
}

// readPlanLines words each planned experiment's plan and its deviations
// (experiment_plans, experiment_deviations), keyed by experiment id.
func readPlanLines(ctx context.Context, db *sql.DB) (map[string][]string, error) {
	var n int
	if err := db.QueryRowContext(ctx,
		`select count(*) from information_schema.tables where table_name in ('experiment_plans', 'experiment_deviations')`).Scan(&n); err != nil {
		return nil, fmt.Errorf("look up experiment_plans: %w", err)
	}
	out := map[string][]string{}
	if n < 2 {
		return out, nil // a warehouse built before postlive plan
	}
	r, err := db.QueryContext(ctx, `
select plans.experiment_id, strftime(plans.planned_at, '%Y-%m-%d %H:%M'), coalesce(plans.plan_sha256, ''), plans.is_edited,
    replace(plans.block_by, ',', ' × '), plans.seed, count(streams.stream_id)
from experiment_plans as plans
left join experiment_plan_streams as streams on streams.experiment_id = plans.experiment_id
group by all
order by plans.experiment_id`)
	if err != nil {
		return nil, fmt.Errorf("read experiment_plans: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var id, at, hash, blocks string
		var edited bool
		var seed, streams int64
		if err := r.Scan(&id, &at, &hash, &edited, &blocks, &seed, &streams); err != nil {
			return nil, fmt.Errorf("read experiment_plans: %w", err)
		}
		if len(hash) > 12 {
			hash = hash[:12]
		}
		if blocks == "" {
			blocks = "one block"
		}
		line := fmt.Sprintf("plan: registered %s UTC (plans/%s.json, sha256 %s…), %d streams randomised within %s, seed %d; analysed by intention to treat within the plan's blocks",
			at, id, hash, streams, blocks, seed)
		if edited {
			line += "; PLAN EDITED AFTER REGISTRATION"
		}
		out[id] = append(out[id], line)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("read experiment_plans: %w", err)
	}
	d, err := db.QueryContext(ctx, `select experiment_id, stream_id, deviation, detail from experiment_deviations order by experiment_id, deviation, stream_id`)
	if err != nil {
		return nil, fmt.Errorf("read experiment_deviations: %w", err)
	}
	defer d.Close()
	for d.Next() {
		var id, stream, kind, detail string
		if err := d.Scan(&id, &stream, &kind, &detail); err != nil {
			return nil, fmt.Errorf("read experiment_deviations: %w", err)
		}
		out[id] = append(out[id], fmt.Sprintf("deviation %s %s: %s", kind, stream, detail))
	}
	return out, d.Err()
}

// experimentsTextWithPlans is experimentsText with each planned
// experiment's plan and deviations after its block.
func experimentsTextWithPlans(rows []experimentRow, plans map[string][]string) string {
	var b strings.Builder
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].experimentID == rows[start].experimentID {
			end++
		}
		if start > 0 {
			b.WriteString("\n")
		}
		b.WriteString(experimentsText(rows[start:end]))
		for _, line := range plans[rows[start].experimentID] {
			fmt.Fprintf(&b, "  %s\n", line)
		}
		start = end
	}
	return b.String()
}

// experimentRow is the part of an experiment_results row the text shows.
type experimentRow struct {
	experimentID, testedVariable, metric, variant, control, reason, method  string
	warnings                                                                []string
	streams, controlStreams, familySize                                     int64
	liftRel, ciLow, ciHigh, p, pAdj, streamsNeeded, streamsLow, streamsHigh sql.NullFloat64
	alpha, target                                                           float64
	primary                                                                 bool
	// decision is the Bayesian reading, worded in currency (the experiment's
	// streams', else report.currency) as on the experiment page.
	decision reports.Decision
	currency string
}

func readExperimentRows(ctx context.Context, db *sql.DB, experiment string) ([]experimentRow, error) {
	r, err := db.QueryContext(ctx, `
select experiment_id, coalesce(tested_variable, ''), metric, variant, control,
    coalesce(warnings, []), coalesce(reason, ''), coalesce(method, ''), streams, control_streams,
    coalesce(family_size, 0),
    lift_rel, ci_low, ci_high, p_value, p_value_adjusted, streams_needed::double,
    streams_needed_low::double, streams_needed_high::double,
    alpha, target_lift_rel::double, coalesce(is_primary, false),
    reason, chance_to_beat_control, expected_loss_variant, expected_loss_control,
    expected_loss_variant_per_stream, expected_loss_control_per_stream,
    prior_source, prior_sd, prior_experiments::double, likelihood_se is not null,
    coalesce(
        (select min(k.currency) from stream_kpis as k where k.experiment_id = experiment_results.experiment_id),
        (select min(report_currency) from report_settings)
    )
from experiment_results
where $1 = '' or experiment_id = $1`+experimentsOrder, experiment)
	if err != nil {
		return nil, fmt.Errorf("read experiment_results: %w", err)
	}
	defer r.Close()
	var out []experimentRow
	for r.Next() {
		var x experimentRow
		var warnings []any
		if err := r.Scan(&x.experimentID, &x.testedVariable, &x.metric, &x.variant, &x.control,
			&warnings, &x.reason, &x.method, &x.streams, &x.controlStreams, &x.familySize,
			&x.liftRel, &x.ciLow, &x.ciHigh, &x.p, &x.pAdj, &x.streamsNeeded, &x.streamsLow, &x.streamsHigh,
			&x.alpha, &x.target, &x.primary,
			&x.decision.Reason, &x.decision.Chance, &x.decision.LossVariant, &x.decision.LossControl,
			&x.decision.LossVariantPerStream, &x.decision.LossControlPerStream,
			&x.decision.PriorSource, &x.decision.PriorSD, &x.decision.PriorExperiments, &x.decision.Bounded,
			&x.currency); err != nil {
			return nil, fmt.Errorf("read experiment_results: %w", err)
		}
		d := &x.decision
		d.Metric, d.Variant, d.Control = x.metric, x.variant, x.control
		d.Streams = sql.NullFloat64{Float64: float64(x.streams), Valid: true}
		d.ControlStreams = sql.NullFloat64{Float64: float64(x.controlStreams), Valid: true}
		d.StreamsNeeded = x.streamsNeeded
		for _, w := range warnings {
			if s, ok := w.(string); ok {
				x.warnings = append(x.warnings, s)
			}
		}
		out = append(out, x)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("read experiment_results: %w", err)
	}
	return out, nil
}

// metricNames are the metrics' display names in verdicts.
var metricNames = map[string]string{"rpv": "RPV", "cvr_click": "CVR (click)", "ctr": "CTR", "aov": "AOV"}

func metricName(metric string) string {
	if name := metricNames[metric]; name != "" {
		return name
	}
	return metric
}

// experimentsText renders rows (ordered by experiment) as one block per
// experiment: a heading, one verdict line per metric × variant, warnings.
func experimentsText(rows []experimentRow) string {
	var b strings.Builder
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].experimentID == rows[start].experimentID {
			end++
		}
		block := rows[start:end]
		if start > 0 {
			b.WriteString("\n")
		}
		writeExperimentBlock(&b, block)
		start = end
	}
	return b.String()
}

func writeExperimentBlock(b *strings.Builder, rows []experimentRow) {
	first := rows[0]
	var variants []string
	seen := map[string]bool{}
	for _, x := range rows {
		if !seen[x.variant] {
			seen[x.variant] = true
			variants = append(variants, x.variant)
		}
	}
	tested := ""
	if first.testedVariable != "" {
		tested = " (" + first.testedVariable + ")"
	}
	primary := ""
	for _, x := range rows {
		if x.primary {
			primary = "primary metric " + metricName(x.metric) + ", "
			break
		}
	}
	family := "no test had a p-value"
	switch n := first.familySize; {
	case n == 1:
		family = "1 test, nothing to adjust"
	case n > 1:
		family = fmt.Sprintf("p adjusted (Holm) across %d tests", n)
	}
	fmt.Fprintf(b, "%s%s: %s against control %s; %sα = %s, randomisation test, %s\n",
		first.experimentID, tested, strings.Join(variants, ", "), first.control, primary,
		strconv.FormatFloat(first.alpha, 'f', -1, 64), family)

	width := 0
	for _, x := range rows {
		if n := len([]rune(x.variant)); n > width {
			width = n
		}
	}
	var warnings []string
	seenWarning := map[string]bool{}
	for _, x := range rows {
		line := verdictLine(x)
		fmt.Fprintf(b, "  %-*s  %d vs %d streams  %s\n", width, x.variant, x.streams, x.controlStreams, line)
		if x.primary {
			fmt.Fprintf(b, "  %-*s  decision: %s\n", width, "", reports.DecisionSentence(x.decision, x.currency))
		}
		for _, wn := range x.warnings {
			if wn != "" && !seenWarning[wn] {
				seenWarning[wn] = true
				warnings = append(warnings, wn)
			}
		}
	}
	if len(warnings) > 0 {
		b.WriteString("  warnings:\n")
		for _, wn := range warnings {
			fmt.Fprintf(b, "  - %s\n", wn)
		}
	}
}

// verdictLine words one row: "RPV +6.8 % (−1.0 % to +15.1 %), p 0.132,
// adjusted 0.529: not significant; ~81 streams per arm would detect +10 %".
func verdictLine(x experimentRow) string {
	in := experiments.VerdictInput{Metric: metricName(x.metric), Alpha: x.alpha, TargetLift: x.target,
		Reason: experiments.Reason(x.reason)}
	if !x.liftRel.Valid || !x.ciLow.Valid || !x.pAdj.Valid {
		if in.Reason == experiments.OK {
			in.Reason = experiments.ReasonInvalidInput
		}
		return experiments.Verdict(in)
	}
	in.Lift, in.CI = x.liftRel.Float64, experiments.Interval{Low: x.ciLow.Float64, High: x.ciHigh.Float64}
	if !x.ciHigh.Valid {
		// the design cannot bound the lift from above
		in.CI.High = math.Inf(1)
	}
	in.P = x.pAdj.Float64
	if x.streamsNeeded.Valid {
		in.StreamsPerArm = int(x.streamsNeeded.Float64)
	}
	if x.streamsLow.Valid && x.streamsHigh.Valid {
		in.StreamsLow, in.StreamsHigh = int(x.streamsLow.Float64), int(x.streamsHigh.Float64)
	}
	v := experiments.Verdict(in)
	ps := fmt.Sprintf("p %s, adjusted %s", formatP(x.p), formatP(x.pAdj))
	if head, decision, ok := strings.Cut(v, "), "); ok {
		return head + "), " + ps + ": " + decision
	}
	return v + " (" + ps + ")"
}

// formatP prints a p-value with three decimals, small ones as "< 0.001".
func formatP(p sql.NullFloat64) string {
	switch {
	case !p.Valid:
		return "—"
	case p.Float64 < 0.001:
		return "< 0.001"
	}
	return strconv.FormatFloat(p.Float64, 'f', 3, 64)
}
