package reports

import (
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
)

func metricLabel(m string) string {
	switch m {
	case "rpv":
		return "revenue per viewer"
	case "cvr_click":
		return "conversion (orders per click)"
	case "ctr":
		return "click-through rate"
	case "aov":
		return "average order value"
	}
	return m
}

func metricShort(m string) string {
	switch m {
	case "rpv":
		return "RPV"
	case "cvr_click":
		return "Conversion"
	case "ctr":
		return "CTR"
	case "aov":
		return "AOV"
	}
	return m
}

func metricValue(metric string, v sql.NullFloat64, cur string) string {
	switch metric {
	case "rpv", "aov":
		return fmtMoney(v, cur)
	case "ctr", "cvr_click":
		return fmtPct(v)
	}
	return fmtNumber(v, 3)
}

func metricDiff(metric string, v sql.NullFloat64, cur string) string {
	if !v.Valid {
		return dash
	}
	switch metric {
	case "ctr", "cvr_click":
		s := fixed(v.Float64*100, 2) + " pp"
		if v.Float64 > 0 {
			s = "+" + s
		}
		return s
	}
	s := metricValue(metric, v, cur)
	if v.Float64 > 0 {
		s = "+" + s
	}
	return s
}

// sentence says in plain words what one row of experiment_results means.
func sentence(x expRow) string {
	name := metricLabel(x.Metric)
	if !x.LiftRel.Valid {
		s := fmt.Sprintf("On %s, %s cannot be compared with %s yet", name, x.Variant, x.Control)
		if x.Warning != "" {
			s += " (see the warnings)"
		}
		return s + "."
	}
	dir := "higher"
	if x.LiftRel.Float64 < 0 {
		dir = "lower"
	}
	amount := strings.TrimPrefix(fmtSignedPct(sql.NullFloat64{Float64: math.Abs(x.LiftRel.Float64), Valid: true}), "+")
	interval := ""
	if x.CILow.Valid {
		interval = fmt.Sprintf("%s %s, ", intervalName(x), ciText(x))
	}
	p := x.PValueAdjusted
	pName := "adjusted p"
	if !p.Valid {
		p, pName = x.PValue, "p"
	}
	if x.Significant.Valid && x.Significant.Bool {
		return fmt.Sprintf("On %s, %s is %s %s than %s (%s%s %s): a clear difference.",
			name, x.Variant, amount, dir, x.Control, interval, pName, fmtP(p))
	}
	s := fmt.Sprintf("On %s, %s is %s %s than %s so far (%s%s %s), which is not a clear difference yet.",
		name, x.Variant, amount, dir, x.Control, interval, pName, fmtP(p))
	if x.MDERel.Valid {
		s += " With the streams so far, only a change of about " + strings.TrimPrefix(fmtPct(x.MDERel), "+") + " would show clearly"
		if x.StreamsNeeded.Valid && x.StreamsNeeded.Float64 > 0 {
			s += "; " + needWords(x)
		}
		s += "."
	} else if x.StreamsNeeded.Valid && x.StreamsNeeded.Float64 > 0 {
		s += " " + strings.ToUpper(needWords(x)[:1]) + needWords(x)[1:] + "."
	}
	return s
}

// needWords says how many streams per arm the power analysis asks for.
func needWords(x expRow) string {
	if x.TargetLiftRel.Valid {
		return fmt.Sprintf("detecting a %s change needs about %s streams per arm%s", strings.TrimPrefix(fmtPct(x.TargetLiftRel), "+"), fmtCount(x.StreamsNeeded), needRange(x))
	}
	return fmt.Sprintf("the power analysis asks for about %s streams per arm%s", fmtCount(x.StreamsNeeded), needRange(x))
}

// needRange is the plausible range of streams_needed, " (317–4,639)": the
// variance behind it rests on few streams, so one number would overstate
// what is known. Empty when the mart gives no range.
func needRange(x expRow) string {
	if !x.NeedLow.Valid || !x.NeedHigh.Valid || x.NeedHigh.Float64 <= 0 {
		return ""
	}
	return " (" + fmtCount(x.NeedLow) + "–" + fmtCount(x.NeedHigh) + ")"
}

// intervalName is "95% interval" when the mart says alpha, else "interval".
// ciText is the interval "−20.0% to +30.0%"; experiment_results leaves
// ci_high NULL when the design cannot bound the lift from above (ci_low is
// then −100 %): "−100.0% to no upper bound".
func ciText(x expRow) string {
	if !x.CIHigh.Valid {
		return liftBound(x.CILow) + " to no upper bound"
	}
	return liftInterval(x.CILow, x.CIHigh)
}

func intervalName(x expRow) string {
	if x.Alpha.Valid && x.Alpha.Float64 > 0 && x.Alpha.Float64 < 1 {
		return strings.TrimSuffix(strings.TrimSuffix(fixed((1-x.Alpha.Float64)*100, 1), "0"), ".") + "% interval"
	}
	return "interval"
}

// headline is the verdict in one line, on the primary metric (is_primary when
// the mart has it, else revenue per viewer, else the first metric).
func headline(e *experiment) string {
	rows := primaryRows(e)
	var won, lost []string
	metric := ""
	for _, x := range rows {
		metric = x.Metric
		if x.Significant.Valid && x.Significant.Bool && x.LiftRel.Valid {
			if x.LiftRel.Float64 > 0 {
				won = append(won, x.Variant)
			} else {
				lost = append(lost, x.Variant)
			}
		}
	}
	name := metricLabel(metric)
	switch {
	case len(won) > 0:
		return fmt.Sprintf("%s beats %s on %s.", strings.Join(won, " and "), e.Control, name)
	case len(lost) > 0:
		return fmt.Sprintf("%s does worse than %s on %s.", strings.Join(lost, " and "), e.Control, name)
	}
	return fmt.Sprintf("No clear winner yet on %s.", name)
}

// primaryRows are the rows of the primary metric (is_primary when the mart
// has it, else revenue per viewer, else the first metric), one per variant.
func primaryRows(e *experiment) []expRow {
	var rows []expRow
	for _, x := range e.Rows {
		if x.IsPrimary.Valid && x.IsPrimary.Bool {
			rows = append(rows, x)
		}
	}
	if len(rows) == 0 {
		for _, x := range e.Rows {
			if x.Metric == "rpv" {
				rows = append(rows, x)
			}
		}
	}
	if len(rows) == 0 && len(e.Rows) > 0 {
		for _, x := range e.Rows {
			if x.Metric == e.Rows[0].Metric {
				rows = append(rows, x)
			}
		}
	}
	return rows
}

// decisionView is the first screen of an experiment page: what to do, one
// sentence per variant on the primary metric, and what the sentences rest on.
type decisionView struct {
	Sentences []string
	Basis     string
}

// decision is the decisionView of e, nil when the mart has no decision
// columns (a warehouse built before them).
func decision(e *experiment, cur string) *decisionView {
	rows := primaryRows(e)
	v := &decisionView{}
	has := false
	for _, x := range rows {
		v.Sentences = append(v.Sentences, DecisionSentence(x.Decision, cur))
		if x.Decision.PriorSource.Valid {
			has = true
			if v.Basis == "" || x.Decision.Chance.Valid {
				v.Basis = decisionBasis(x.Decision)
			}
		}
	}
	if !has {
		return nil
	}
	return v
}

// verdict is e's result as a stream page shows it, linking to the
// experiment's report file.
func (r *renderer) verdict(e *experiment, file, cur string) *verdictView {
	v := &verdictView{ID: e.ID, Link: file, Variable: orDash(e.TestedVariable), Control: orDash(e.Control), Headline: headline(e)}
	seen := map[string]bool{}
	for _, x := range e.Rows {
		v.Lines = append(v.Lines, sentence(x))
		for _, w := range splitWarnings(x.Warning) {
			if !seen[w] {
				seen[w] = true
				v.Warnings = append(v.Warnings, w)
			}
		}
	}
	sort.Strings(v.Warnings)
	return v
}

// splitWarnings splits the warnings of a row, which the query joins with
// the unit separator U+001F.
func splitWarnings(w string) []string {
	var out []string
	for _, part := range strings.Split(w, "\x1f") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

type expTableRow struct {
	Metric, Variant, Streams, Value, LiftAbs, LiftRel, CI, P, PAdj, Significant string
	Control, ControlStreams, ControlValue, Power                                string
	Method, MDE, StreamsNeeded                                                  string
}

type armStream struct {
	Link, Title, Variant, Date, DateKey, Host, Platform, Viewers, Orders, Revenue, RPV, RevenueKey, RPVKey string
}

// streamTable is a table of streams (index, experiment arms), with totals
// on the index.
type streamTable struct {
	Rows   []armStream
	Totals []totalStreams
}

type totalStreams struct {
	Label, Viewers, Orders, Revenue string
}

type experimentView struct {
	HasControl, HasPower           bool
	ID, Variable, Control, Methods string
	Decision                       *decisionView
	Verdict                        *verdictView
	Plan                           *planView
	Rows                           []expTableRow
	Lift                           *chart
	Streams                        streamTable
}

// experimentPage renders an experiment's report from in alone (r.page()).
func (r *renderer) experimentPage(in experimentInput) ([]byte, error) {
	e := in.Experiment
	cur := r.opt.Currency
	for _, s := range e.Streams {
		if s.Currency != "" {
			cur = s.Currency
			break
		}
	}
	v := &experimentView{ID: e.ID, Variable: orDash(e.TestedVariable), Control: orDash(e.Control), Verdict: r.verdict(e, in.File, cur),
		Decision: decision(e, cur)}
	v.Plan = newPlanView(e)
	for _, x := range e.Rows {
		sig := "no"
		if x.Significant.Valid && x.Significant.Bool {
			sig = "yes"
		} else if !x.Significant.Valid {
			sig = dash
		}
		ci := dash
		if x.CILow.Valid {
			ci = ciText(x)
		}
		v.Rows = append(v.Rows, expTableRow{Metric: metricLabel(x.Metric), Variant: x.Variant, Streams: fmtCount(x.Streams),
			Value: metricValue(x.Metric, x.Value, cur), LiftAbs: metricDiff(x.Metric, x.LiftAbs, cur), LiftRel: fmtSignedPct(x.LiftRel),
			CI: ci, P: fmtP(x.PValue), PAdj: fmtP(x.PValueAdjusted), Significant: sig, Method: orDash(x.Method),
			MDE: fmtPct(x.MDERel), StreamsNeeded: fmtCount(x.StreamsNeeded) + needRange(x),
			Control: x.Control, ControlStreams: fmtCount(x.ControlStreams), ControlValue: metricValue(x.Metric, x.ControlValue, cur),
			Power: fmtPct(x.Power)})
		if x.ControlValue.Valid || x.ControlStreams.Valid {
			v.HasControl = true
		}
		if x.Power.Valid {
			v.HasPower = true
		}
	}
	methods := map[string]bool{}
	var ms []string
	for _, x := range e.Rows {
		if x.Method != "" && !methods[x.Method] {
			methods[x.Method] = true
			ms = append(ms, x.Method)
		}
	}
	sort.Strings(ms)
	var words []string
	for _, m := range ms {
		words = append(words, methodWords(m))
	}
	v.Methods = orDash(strings.Join(words, "; "))
	var p page
	c, err := liftChart("experiment", e)
	if err != nil {
		return nil, err
	}
	p.Charts = append(p.Charts, c)
	v.Lift = &p.Charts[0]
	for i, s := range e.Streams {
		v.Streams.Rows = append(v.Streams.Rows, r.armStream(s, in.StreamFiles[i]))
	}
	sort.SliceStable(v.Streams.Rows, func(i, j int) bool { return v.Streams.Rows[i].Variant < v.Streams.Rows[j].Variant })
	p.Title = "Experiment " + e.ID
	p.Kind = "experiment"
	p.Experiment = v
	return r.render(&p)
}

// armStream is a stream's row in a table of streams, linking to file.
func (r *renderer) armStream(s *stream, file string) armStream {
	cur := r.currency(s.Currency)
	loc := r.loc(s.Timezone)
	return armStream{Link: file, Title: orDefault(s.Title, s.ID), Variant: orDash(s.Variant),
		Date: fmtDate(s.StartedAt, loc), DateKey: sortTime(s.StartedAt), Host: orDash(orDefault(s.Host, s.Affiliate)),
		Platform: platformWords(s.Platform),
		Viewers:  fmtCount(s.Viewers), Orders: fmtCount(s.Orders), Revenue: fmtMoney(s.Revenue, cur), RPV: fmtMoney(s.RPV, cur),
		RevenueKey: sortNum(s.Revenue), RPVKey: sortNum(s.RPV)}
}

// liftBound is a relative lift as an interval shows it: a metric that is
// never negative cannot fall by more than 100 %, so a bound below −100 %
// (a normal approximation reaching past it) is shown as −100 %.
func liftBound(v sql.NullFloat64) string {
	if v.Valid && v.Float64 < -1 {
		v.Float64 = -1
	}
	return fmtSignedPct(v)
}

// liftInterval writes an interval of a relative lift, "−12.0% to +30.5%".
func liftInterval(lo, hi sql.NullFloat64) string {
	return liftBound(lo) + " to " + liftBound(hi)
}

// methodWords says how experiment_results computed a row, in words: the
// method column names it for machines (ratio_delta_welch_t).
func methodWords(m string) string {
	known := map[string]string{
		"delta_t":             "a t-test on the ratio of sums (delta method)",
		"ratio_delta_welch_t": "Welch's t-test on the ratio of sums (delta method), which does not assume equal spread in the arms",
		"delta_welch_t":       "Welch's t-test on the ratio of sums (delta method), which does not assume equal spread in the arms",
		"welch_t":             "Welch's t-test, which does not assume equal spread in the arms",
		"bootstrap":           "a bootstrap over streams",
		"permutation":         "a permutation test over streams",
		"randomisation_log_ratio": "a randomisation test over the ways the streams could have been split between the arms " +
			"(on the log of the ratio of the arms)",
		"randomisation_log_ratio_host_blocked": "a randomisation test within each host (streams re-assigned only among " +
			"the same host's streams), so hosts' different audiences do not blur the comparison",
		"randomisation_log_ratio_cuped": "a randomisation test adjusted for each host's streams before the experiment " +
			"(CUPED), which removes part of the noise hosts bring",
	}
	if w, ok := known[m]; ok {
		return w
	}
	var parts []string
	for _, p := range strings.Split(m, "_") {
		switch p {
		case "t":
			parts = append(parts, "t-test")
		case "welch":
			parts = append(parts, "Welch's")
		case "delta":
			parts = append(parts, "delta method")
		case "":
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}
