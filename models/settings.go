package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Settings are the values of postlive.yaml the SQL models read, from the
// tables the build writes first (settingsTables). They must be complete:
// the defaults belong to package workspace (workspace.Config.ModelSettings),
// so a zero value here is taken as it is, or refused where it cannot be
// meant (an empty currency).
type Settings struct {
	AttributionWindow time.Duration
	DuplicateWindow   time.Duration
	Currency          string
	Experiments       []ExperimentSetting
	// ExperimentDefaults are the primary metric and alpha of an experiment
	// of the data that postlive.yaml does not name.
	ExperimentDefaults ExperimentSetting
	// CommissionRates are the per-merchant commission rates (merchant id →
	// rate between 0 and 1), used for orders whose drop and stream name none.
	CommissionRates map[string]float64
	// LeakAfter, LeakMinRedemptions and LeakShare tune the leaked-code signal
	// (docs/reconciliation.md § Leaked codes).
	LeakAfter          time.Duration
	LeakMinRedemptions int
	LeakShare          float64
	// PriorSD and PriorMinExperiments set the Bayesian decision's prior
	// (decision.prior_sd, decision.prior_min_experiments; docs/statistics.md
	// § The decision in plain words).
	PriorSD             float64
	PriorMinExperiments int

	// PayoutCloseAfter is how long after its end a payout period closes
	// (payouts.close_after); 0 closes it at its end.
	PayoutCloseAfter time.Duration
	// Campaigns group streams and carry their payout terms.
	Campaigns []CampaignSetting
	// DisclosurePhrases are the words that disclose an affiliate
	// relationship (none: every stream fails the disclosure check).
	DisclosurePhrases []string
	// DisclosureWithin is how soon after the start a host must disclose.
	DisclosureWithin time.Duration
	// MinMinutes is the minimum stream length per platform. A platform
	// with 0 or none is not checked.
	MinMinutes map[string]float64
	// Payments are the payout lines the operator recorded as paid
	// (payouts-paid.csv, read by package workspace).
	Payments []Payment
	// Plans are the pre-registered experiment plans (plans/*.json,
	// postlive plan, read by package workspace).
	Plans []PlanSetting
}

// PlanSetting is one pre-registered experiment plan: its design and
// assignment, and whether its file was edited after registration.
type PlanSetting struct {
	ID, TestedVariable string
	Variants           []string  // the control first
	Weights            []float64 // the allocation, one per variant
	PrimaryMetric      string
	Alpha, MinEffect   float64
	BlockBy            string // the block keys, e.g. "host,weekday"
	Seed               int64
	PlannedAt          time.Time
	Hash               string // the SHA-256 registered when planned
	Edited             bool   // the file no longer has that hash
	Streams            []PlanStream
}

// PlanStream is one planned stream: its host, planned start, the block it
// was randomised in and the variant it was assigned.
type PlanStream struct {
	StreamID, Host string
	StartedAt      time.Time
	Block, Variant string
}

// CampaignSetting is one campaign of postlive.yaml campaigns.<id>. Money is
// decimal text ("150.00") so that it reaches DuckDB exactly; "" = not set.
type CampaignSetting struct {
	ID           string
	Name         string
	Streams      []string // stream ids listed explicitly
	StreamPrefix string   // every stream whose id starts with it
	FlatFee      string   // per stream, replaces streams.flat_fee
	FirstNBonus  string   // per bonus-eligible redemption of a tiered drop
	Bonuses      []BonusTier
}

// BonusTier pays Amount for a stream whose revenue passes RevenueOver.
type BonusTier struct {
	RevenueOver, Amount string
}

// ExperimentSetting is one experiment's configuration.
type ExperimentSetting struct {
	ID             string
	Control        string // "": the alphabetically first variant
	PrimaryMetric  string
	PlannedStreams int // 0: not planned
	Alpha          float64
	// Allocation is the planned weight of each variant
	// (experiments.<id>.allocation); nil: an even split.
	Allocation map[string]float64
}

// settingsTable is one table through which settings reach SQL, created and
// filled with bound parameters before the models run. A model that names
// it depends on its rows: its fingerprint hashes them (hash), so a changed
// setting rebuilds exactly the models that read it, and what reads those.
type settingsTable struct {
	name    string
	columns string  // the column definitions
	values  string  // one row's value expressions, ? for each parameter
	rows    [][]any // int64, float64, string or nil
}

// hash names the table's definition and rows.
func (t settingsTable) hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", t.name, t.columns, t.values)
	for _, r := range t.rows {
		for _, v := range r {
			fmt.Fprintf(h, "%T:%v\x00", v, v)
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// check refuses settings that cannot be meant: they were not filled in
// (workspace.Config.ModelSettings fills in every default).
func (s Settings) check() error {
	var missing []string
	if s.Currency == "" {
		missing = append(missing, "the report currency is empty")
	}
	if s.DisclosureWithin < time.Second {
		missing = append(missing, "the disclosure deadline is under a second")
	}
	if s.LeakAfter <= 0 || s.LeakMinRedemptions < 1 || s.LeakShare <= 0 || s.LeakShare > 1 {
		missing = append(missing, "the leaked-code thresholds are not set")
	}
	if !(s.PriorSD > 0) || s.PriorMinExperiments < 1 {
		missing = append(missing, "the decision prior is not set")
	}
	for _, e := range append([]ExperimentSetting{s.ExperimentDefaults}, s.Experiments...) {
		if e.PrimaryMetric == "" || e.Alpha <= 0 || e.Alpha >= 1 {
			missing = append(missing, fmt.Sprintf("experiment %q has no primary metric or alpha", e.ID))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("models: incomplete settings (%s); take them from workspace.Config.ModelSettings", strings.Join(missing, "; "))
	}
	return nil
}

// settingsTables are the tables s reaches SQL through, one per concern, so
// that a model depends only on the settings it reads:
//
//	attribution_settings      attribution.window
//	click_settings            clicks.duplicate_window
//	report_settings           report.currency
//	payout_settings           payouts.close_after
//	compliance_settings       compliance.disclosure_within
//	compliance_phrases        compliance.disclosure_phrases (with each phrase's pattern)
//	compliance_min_minutes    compliance.min_minutes.<platform>
//	experiment_settings       experiments.<id>.*
//	experiment_allocation     experiments.<id>.allocation (variant → weight)
//	experiment_defaults       the defaults of experiments.<id>.* (for experiments not configured)
//	decision_settings         decision.prior_sd, decision.prior_min_experiments
//	reconciliation_settings   reconciliation.leak_*
//	commission_rate_settings  commission_rates.<merchant_id>
//	campaign_settings, campaign_stream_list, campaign_bonus_tiers   campaigns.<id>.*
//	payout_payments           payouts-paid.csv (postlive payouts --mark-paid)
//	experiment_plans, experiment_plan_arms, experiment_plan_streams   plans/*.json (postlive plan)
func settingsTables(s Settings) ([]settingsTable, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	interval := "to_microseconds(cast(? as bigint))"
	one := func(name, columns, values string, row ...any) settingsTable {
		return settingsTable{name: name, columns: columns, values: values, rows: [][]any{row}}
	}
	tables := []settingsTable{
		one("attribution_settings", "attribution_window interval", interval, s.AttributionWindow.Microseconds()),
		one("click_settings", "duplicate_window_us bigint", "?", s.DuplicateWindow.Microseconds()),
		one("report_settings", "report_currency varchar", "?", s.Currency),
		one("payout_settings", "payout_close_after interval", interval, s.PayoutCloseAfter.Microseconds()),
		one("compliance_settings", "disclosure_within_s bigint", "?", int64(s.DisclosureWithin/time.Second)),
		one("reconciliation_settings", "leak_after interval, leak_min_redemptions integer, leak_share double",
			interval+", ?, ?", s.LeakAfter.Microseconds(), int64(s.LeakMinRedemptions), s.LeakShare),
		one("experiment_defaults", "primary_metric varchar, alpha double", "?, ?", s.ExperimentDefaults.PrimaryMetric, s.ExperimentDefaults.Alpha),
		one("decision_settings", "prior_sd double, prior_min_experiments integer", "?, ?", s.PriorSD, int64(s.PriorMinExperiments)),
	}

	phrases := settingsTable{name: "compliance_phrases", columns: "phrase varchar primary key, pattern varchar, first_word varchar", values: "?, ?, ?"}
	seen := map[string]bool{}
	for _, p := range s.DisclosurePhrases {
		p = strings.TrimSpace(p)
		if p == "" || seen[strings.ToLower(p)] {
			continue
		}
		seen[strings.ToLower(p)] = true
		// first_word (lower case) lets SQL skip the regular expression for
		// messages that cannot match
		phrases.rows = append(phrases.rows, []any{p, PhrasePattern(p), strings.ToLower(strings.Fields(p)[0])})
	}
	minutes := settingsTable{name: "compliance_min_minutes", columns: "platform varchar primary key, min_minutes double", values: "?, ?"}
	for _, p := range sortedKeys(s.MinMinutes) {
		if s.MinMinutes[p] > 0 {
			minutes.rows = append(minutes.rows, []any{strings.ToLower(strings.TrimSpace(p)), s.MinMinutes[p]})
		}
	}
	exps := settingsTable{name: "experiment_settings", values: "?, ?, ?, ?, ?",
		columns: "experiment_id varchar primary key, control varchar, primary_metric varchar, planned_streams integer, alpha double"}
	for _, e := range s.Experiments {
		exps.rows = append(exps.rows, []any{e.ID, nullIf(e.Control), e.PrimaryMetric, nullIfZero(int64(e.PlannedStreams)), e.Alpha})
	}
	alloc := settingsTable{name: "experiment_allocation", values: "?, ?, ?",
		columns: "experiment_id varchar, variant varchar, weight double not null, primary key (experiment_id, variant)"}
	for _, e := range s.Experiments {
		for _, v := range sortedKeys(e.Allocation) {
			alloc.rows = append(alloc.rows, []any{e.ID, v, e.Allocation[v]})
		}
	}
	rates := settingsTable{name: "commission_rate_settings", columns: "merchant_id varchar primary key, commission_rate double not null", values: "?, ?"}
	for _, m := range sortedKeys(s.CommissionRates) {
		rates.rows = append(rates.rows, []any{m, s.CommissionRates[m]})
	}
	money := "cast(? as decimal(18, 2))"
	campaigns := settingsTable{name: "campaign_settings", values: "?, ?, ?, " + money + ", " + money,
		columns: "campaign_id varchar primary key, campaign_name varchar, stream_prefix varchar, flat_fee decimal(18, 2), first_n_bonus decimal(18, 2)"}
	lists := settingsTable{name: "campaign_stream_list", columns: "campaign_id varchar, stream_id varchar, primary key (campaign_id, stream_id)", values: "?, ?"}
	tiers := settingsTable{name: "campaign_bonus_tiers", values: "?, " + money + ", " + money,
		columns: "campaign_id varchar, revenue_over decimal(18, 2), amount decimal(18, 2), primary key (campaign_id, revenue_over)"}
	for _, c := range s.Campaigns {
		campaigns.rows = append(campaigns.rows, []any{c.ID, nullIf(c.Name), nullIf(c.StreamPrefix), nullIf(c.FlatFee), nullIf(c.FirstNBonus)})
		for _, st := range c.Streams {
			lists.rows = append(lists.rows, []any{c.ID, st})
		}
		for _, b := range c.Bonuses {
			tiers.rows = append(tiers.rows, []any{c.ID, b.RevenueOver, b.Amount})
		}
	}
	payments := settingsTable{name: "payout_payments", values: "?, cast(? as timestamp), ?, ?, ?, ?, " + money + ", ?, cast(? as timestamp)",
		columns: `payment_id varchar not null, paid_on timestamp not null, affiliate_id varchar not null,
    currency varchar not null, period varchar not null, line_id varchar not null,
    amount decimal(18, 2) not null, reference varchar, recorded_at timestamp not null,
    primary key (payment_id, line_id)`}
	for _, p := range s.Payments {
		payments.rows = append(payments.rows, []any{p.ID, p.PaidOn.UTC().Format("2006-01-02 15:04:05"), p.Affiliate, p.Currency, p.Period,
			p.LineID, p.Amount, nullIf(p.Reference), p.RecordedAt.UTC().Format("2006-01-02 15:04:05.999999")})
	}
	plans := settingsTable{name: "experiment_plans", values: "?, ?, ?, ?, ?, ?, ?, ?, cast(? as timestamp), ?, ?",
		columns: `experiment_id varchar primary key, tested_variable varchar, control varchar not null,
    primary_metric varchar not null, alpha double not null, min_effect double not null, block_by varchar not null,
    seed bigint not null, planned_at timestamp not null, plan_sha256 varchar, is_edited boolean not null`}
	arms := settingsTable{name: "experiment_plan_arms", values: "?, ?, ?, ?",
		columns: "experiment_id varchar, variant varchar, arm_order integer not null, weight double not null, primary key (experiment_id, variant)"}
	planned := settingsTable{name: "experiment_plan_streams", values: "?, ?, ?, cast(? as timestamp), ?, ?",
		columns: `experiment_id varchar, stream_id varchar, host varchar, planned_started_at timestamp not null,
    block varchar not null, variant varchar not null, primary key (experiment_id, stream_id)`}
	for _, p := range s.Plans {
		if len(p.Variants) == 0 || len(p.Weights) != len(p.Variants) {
			return nil, fmt.Errorf("models: plan %q has %d variants and %d weights", p.ID, len(p.Variants), len(p.Weights))
		}
		plans.rows = append(plans.rows, []any{p.ID, nullIf(p.TestedVariable), p.Variants[0], p.PrimaryMetric, p.Alpha, p.MinEffect,
			p.BlockBy, p.Seed, p.PlannedAt.UTC().Format("2006-01-02 15:04:05.999999"), nullIf(p.Hash), p.Edited})
		for i, v := range p.Variants {
			arms.rows = append(arms.rows, []any{p.ID, v, int64(i), p.Weights[i]})
		}
		for _, st := range p.Streams {
			planned.rows = append(planned.rows, []any{p.ID, st.StreamID, nullIf(st.Host),
				st.StartedAt.UTC().Format("2006-01-02 15:04:05.999999"), st.Block, st.Variant})
		}
	}
	return append(tables, phrases, minutes, exps, alloc, rates, campaigns, lists, tiers, payments, plans, arms, planned), nil
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullIfZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// WriteSettings creates the tables through which s reaches the SQL models
// (settingsTables) in db. Build calls it first; tools that run the models
// themselves (bench/modeltime, bench/native) call it too.
func WriteSettings(ctx context.Context, db *sql.DB, s Settings) error {
	tables, err := settingsTables(s)
	if err != nil {
		return err
	}
	return writeSettings(ctx, db, tables)
}

func writeSettings(ctx context.Context, db *sql.DB, tables []settingsTable) error {
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("create or replace table %s (%s)", t.name, t.columns)); err != nil {
			return fmt.Errorf("write %s: %w", t.name, err)
		}
		for _, r := range t.rows {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("insert into %s values (%s)", t.name, t.values), r...); err != nil {
				return fmt.Errorf("write %s: %w", t.name, err)
			}
		}
	}
	return nil
}
