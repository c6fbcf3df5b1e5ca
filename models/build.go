package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/marcboeker/go-duckdb"
)

// Settings are the values of postlive.yaml the SQL models read from the
// tables the build writes first: `settings` (one row), `experiment_settings`,
// `commission_rate_settings`, `reconciliation_settings`, `campaign_settings`,
// `campaign_stream_list`, `campaign_bonus_tiers`, `compliance_phrases`,
// `compliance_min_minutes` and `payout_payments`.
type Settings struct {
	AttributionWindow time.Duration
	DuplicateWindow   time.Duration
	Currency          string
	Experiments       []ExperimentSetting
	// CommissionRates are the per-merchant commission rates (merchant id →
	// rate between 0 and 1), used for orders whose drop and stream name none.
	CommissionRates map[string]float64
	// LeakAfter, LeakMinRedemptions and LeakShare tune the leaked-code signal
	// (docs/reconciliation.md § Leaked codes); zero means the default: 24h,
	// 3 redemptions, 0.1.
	LeakAfter          time.Duration
	LeakMinRedemptions int
	LeakShare          float64

	// PayoutCloseAfter is how long after its end a payout period closes
	// (payouts.close_after); 0 closes it at its end.
	PayoutCloseAfter time.Duration
	// Campaigns group streams and carry their payout terms.
	Campaigns []CampaignSetting
	// DisclosurePhrases are the words that disclose an affiliate
	// relationship; nil means DefaultDisclosurePhrases, empty means none.
	DisclosurePhrases []string
	// DisclosureWithin is how soon after the start a host must disclose;
	// 0 means DefaultDisclosureWithin.
	DisclosureWithin time.Duration
	// MinMinutes is the minimum stream length per platform; nil means
	// DefaultMinMinutes. A platform with 0 or none is not checked.
	MinMinutes map[string]float64
	// Payments are the payout lines the operator recorded as paid.
	Payments []Payment
}

// Compliance defaults (docs/configuration.md § compliance).
var (
	DefaultDisclosurePhrases = []string{"#ad", "commission", "affiliate", "sponsored", "paid partnership"}
	DefaultMinMinutes        = map[string]float64{"amazon_live": 30}
)

// DefaultDisclosureWithin is the disclosure deadline after a stream starts.
const DefaultDisclosureWithin = 90 * time.Second

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
	Control        string
	PrimaryMetric  string
	PlannedStreams int
	Alpha          float64
}

// Options say where the workspace is and how to run DuckDB.
type Options struct {
	Workspace   string // lake paths in the SQL are relative to it
	Warehouse   string // the DuckDB file the build replaces
	SQL         fs.FS  // the sql/ folder (sqlfiles.FS)
	Settings    Settings
	Threads     int
	MemoryLimit string
	NoReuse     bool // compute every model, even those whose inputs did not change since the previous build
	// Log receives one debug record per model, data test and exported mart
	// with its duration; nil logs nothing.
	Log *slog.Logger
}

// TestResult is the outcome of one data test.
type TestResult struct {
	Name     string
	Path     string
	Took     time.Duration
	Failures int64
	Columns  []string
	Sample   [][]string // first offending rows, as text
}

// Result is what a build did.
type Result struct {
	Models []*Model
	Tests  []TestResult
	Marts  map[string]int64         // rows per mart
	Reused []string                 // materialised models copied from the previous build: their inputs had not changed
	Took   map[string]time.Duration // per model: how long creating it took
}

// Failed returns the failed data tests.
func (r *Result) Failed() []TestResult {
	var out []TestResult
	for _, t := range r.Tests {
		if t.Failures > 0 {
			out = append(out, t)
		}
	}
	return out
}

// Open opens a DuckDB database (path "" = in memory) with the workspace as
// the base of relative file paths and postlive's SQL functions registered.
// The returned DB uses a single connection.
func Open(ctx context.Context, path, workspace string, threads int, memoryLimit string, readOnly bool) (*sql.DB, error) {
	dsn := path
	if readOnly {
		dsn += "?access_mode=read_only"
	}
	connector, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		stmts := []string{}
		if workspace != "" {
			stmts = append(stmts, "set file_search_path = '"+strings.ReplaceAll(workspace, "'", "''")+"'")
		}
		if threads > 0 {
			stmts = append(stmts, fmt.Sprintf("set threads = %d", threads))
		}
		if memoryLimit != "" {
			stmts = append(stmts, "set memory_limit = '"+strings.ReplaceAll(memoryLimit, "'", "''")+"'")
		}
		for _, s := range stmts {
			if _, err := ex.ExecContext(ctx, s, nil); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	defer conn.Close()
	if err := RegisterFunctions(conn); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Build runs every model into a new DuckDB file, runs the data tests,
// exports the marts to lake/marts/*.parquet and only then replaces the
// warehouse, so a reader never sees a half-built warehouse. Failed data tests
// are reported in the result (the caller decides the exit status); a broken
// model is an error naming its file.
func Build(ctx context.Context, opt Options) (*Result, error) {
	models, tests, err := Load(opt.SQL)
	if err != nil {
		return nil, err
	}
	if err := RemoveInterrupted(opt.Warehouse); err != nil {
		return nil, err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", opt.Warehouse, os.Getpid())
	db, err := Open(ctx, tmp, opt.Workspace, opt.Threads, opt.MemoryLimit, false)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			db.Close()
			os.Remove(tmp)
			os.Remove(tmp + ".wal")
		}
	}()
	if err := writeSettings(ctx, db, opt.Settings); err != nil {
		return nil, err
	}
	settings, err := settingsHash(ctx, db)
	if err != nil {
		return nil, err
	}
	fps, err := fingerprints(models, opt.Workspace, settings)
	if err != nil {
		return nil, err
	}
	var prev map[string]string
	if !opt.NoReuse {
		prev = previousBuild(ctx, db, opt.Warehouse)
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := &Result{Models: models, Marts: map[string]int64{}, Took: map[string]time.Duration{}}
	for _, m := range models {
		start := time.Now()
		kind := "view"
		if m.Materialized() {
			kind = "table"
		}
		reused := false
		if m.Materialized() && prev[m.Name] == fps[m.Name] {
			// same inputs as in the previous build: copy its table
			_, err := db.ExecContext(ctx, fmt.Sprintf("create table %s as select * from prev.%s", m.Name, m.Name))
			reused = err == nil
		}
		if reused {
			res.Reused = append(res.Reused, m.Name)
		} else {
			stmt := fmt.Sprintf("create or replace %s %s as\n%s", kind, m.Name, strings.TrimRight(strings.TrimSpace(m.SQL), ";"))
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return nil, fmt.Errorf("%s: %s", m.Path, cleanDuckDBError(err))
			}
		}
		attrs := []any{"model", m.Name, "layer", m.Layer, "reused", reused}
		if m.Layer == "marts" {
			var n int64
			if err := db.QueryRowContext(ctx, "select count(*) from "+m.Name).Scan(&n); err != nil {
				return nil, fmt.Errorf("%s: %w", m.Path, err)
			}
			res.Marts[m.Name] = n
			attrs = append(attrs, "rows", n)
		}
		res.Took[m.Name] = time.Since(start)
		log.Debug("model built", append(attrs, "took", res.Took[m.Name])...)
	}
	if prev != nil {
		if _, err := db.ExecContext(ctx, "detach prev"); err != nil {
			return nil, fmt.Errorf("detach previous warehouse: %w", err)
		}
	}
	if err := writeFingerprints(ctx, db, fps); err != nil {
		return nil, err
	}
	for _, t := range tests {
		start := time.Now()
		tr, err := runTest(ctx, db, t)
		if err != nil {
			return nil, err
		}
		tr.Took = time.Since(start)
		log.Debug("data test run", "test", t.Name, "failures", tr.Failures, "took", tr.Took)
		res.Tests = append(res.Tests, tr)
	}
	start := time.Now()
	if err := exportMarts(ctx, db, opt.Workspace, models); err != nil {
		return nil, err
	}
	log.Debug("marts exported", "dir", filepath.Join(opt.Workspace, "lake", "marts"), "marts", len(res.Marts), "took", time.Since(start))
	if _, err := db.ExecContext(ctx, "checkpoint"); err != nil {
		return nil, fmt.Errorf("checkpoint warehouse: %w", err)
	}
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("close warehouse: %w", err)
	}
	ok = true
	if err := syncPath(tmp); err != nil {
		return nil, err
	}
	os.Remove(tmp + ".wal")
	os.Remove(opt.Warehouse + ".wal")
	if err := os.Rename(tmp, opt.Warehouse); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("replace warehouse: %w", err)
	}
	return res, nil
}

// WriteSettings creates the tables through which s reaches the SQL models
// (see Settings) in db. Build calls it first; tools that run the models
// themselves (bench/modeltime) call it too.
func WriteSettings(ctx context.Context, db *sql.DB, s Settings) error {
	return writeSettings(ctx, db, s)
}

func writeSettings(ctx context.Context, db *sql.DB, s Settings) error {
	cur := s.Currency
	if cur == "" {
		cur = "USD"
	}
	within := s.DisclosureWithin
	if within <= 0 {
		within = DefaultDisclosureWithin
	}
	_, err := db.ExecContext(ctx, `create table settings as select
    to_microseconds(?::bigint) as attribution_window,
    ?::bigint as duplicate_window_us,
    ?::varchar as report_currency,
    to_microseconds(?::bigint) as payout_close_after,
    ?::bigint as disclosure_within_s`,
		s.AttributionWindow.Microseconds(), s.DuplicateWindow.Microseconds(), cur,
		s.PayoutCloseAfter.Microseconds(), int64(within/time.Second))
	if err != nil {
		return fmt.Errorf("write settings: %w", err)
	}
	if err := writeCampaignSettings(ctx, db, s.Campaigns); err != nil {
		return err
	}
	if err := writeComplianceSettings(ctx, db, s); err != nil {
		return err
	}
	if err := writePaymentSettings(ctx, db, s.Payments); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `create table experiment_settings (
    experiment_id varchar primary key, control varchar, primary_metric varchar, planned_streams integer, alpha double)`); err != nil {
		return fmt.Errorf("write experiment settings: %w", err)
	}
	for _, e := range s.Experiments {
		var planned any
		if e.PlannedStreams > 0 {
			planned = e.PlannedStreams
		}
		var control any
		if e.Control != "" {
			control = e.Control
		}
		if _, err := db.ExecContext(ctx, `insert into experiment_settings values (?, ?, ?, ?, ?)`,
			e.ID, control, e.PrimaryMetric, planned, e.Alpha); err != nil {
			return fmt.Errorf("write experiment settings: %w", err)
		}
	}
	leakAfter, leakMin, leakShare := s.LeakAfter, s.LeakMinRedemptions, s.LeakShare
	if leakAfter <= 0 {
		leakAfter = 24 * time.Hour
	}
	if leakMin <= 0 {
		leakMin = 3
	}
	if leakShare <= 0 {
		leakShare = 0.1
	}
	if _, err := db.ExecContext(ctx, `create table reconciliation_settings as select
    to_microseconds(?::bigint) as leak_after,
    ?::integer as leak_min_redemptions,
    ?::double as leak_share`, leakAfter.Microseconds(), leakMin, leakShare); err != nil {
		return fmt.Errorf("write reconciliation settings: %w", err)
	}
	if _, err := db.ExecContext(ctx, `create table commission_rate_settings (
    merchant_id varchar primary key, commission_rate double not null)`); err != nil {
		return fmt.Errorf("write commission rates: %w", err)
	}
	merchants := make([]string, 0, len(s.CommissionRates))
	for m := range s.CommissionRates {
		merchants = append(merchants, m)
	}
	sort.Strings(merchants)
	for _, m := range merchants {
		if _, err := db.ExecContext(ctx, `insert into commission_rate_settings values (?, ?)`, m, s.CommissionRates[m]); err != nil {
			return fmt.Errorf("write commission rates: %w", err)
		}
	}
	return nil
}

// writeCampaignSettings writes campaign_settings (one row per campaign),
// campaign_stream_list (one row per explicitly listed stream) and
// campaign_bonus_tiers (one row per performance bonus tier).
func writeCampaignSettings(ctx context.Context, db *sql.DB, cs []CampaignSetting) error {
	for _, q := range []string{
		`create table campaign_settings (campaign_id varchar primary key, campaign_name varchar,
    stream_prefix varchar, flat_fee decimal(18, 2), first_n_bonus decimal(18, 2))`,
		`create table campaign_stream_list (campaign_id varchar, stream_id varchar, primary key (campaign_id, stream_id))`,
		`create table campaign_bonus_tiers (campaign_id varchar, revenue_over decimal(18, 2), amount decimal(18, 2),
    primary key (campaign_id, revenue_over))`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("write campaign settings: %w", err)
		}
	}
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for _, c := range cs {
		if _, err := db.ExecContext(ctx, `insert into campaign_settings values (?, ?, ?, ?::decimal(18, 2), ?::decimal(18, 2))`,
			c.ID, null(c.Name), null(c.StreamPrefix), null(c.FlatFee), null(c.FirstNBonus)); err != nil {
			return fmt.Errorf("write campaign settings %s: %w", c.ID, err)
		}
		for _, st := range c.Streams {
			if _, err := db.ExecContext(ctx, `insert into campaign_stream_list values (?, ?)`, c.ID, st); err != nil {
				return fmt.Errorf("write campaign settings %s: %w", c.ID, err)
			}
		}
		for _, b := range c.Bonuses {
			if _, err := db.ExecContext(ctx, `insert into campaign_bonus_tiers values (?, ?::decimal(18, 2), ?::decimal(18, 2))`,
				c.ID, b.RevenueOver, b.Amount); err != nil {
				return fmt.Errorf("write campaign settings %s: %w", c.ID, err)
			}
		}
	}
	return nil
}

// writeComplianceSettings writes compliance_phrases (each phrase with the
// case-insensitive RE2 pattern that finds it as a whole word, and its first
// word in lower case) and
// compliance_min_minutes (one row per platform with a minimum length).
func writeComplianceSettings(ctx context.Context, db *sql.DB, s Settings) error {
	if _, err := db.ExecContext(ctx, `create table compliance_phrases (phrase varchar primary key, pattern varchar, first_word varchar)`); err != nil {
		return fmt.Errorf("write compliance settings: %w", err)
	}
	phrases := s.DisclosurePhrases
	if phrases == nil {
		phrases = DefaultDisclosurePhrases
	}
	seen := map[string]bool{}
	for _, p := range phrases {
		p = strings.TrimSpace(p)
		if p == "" || seen[strings.ToLower(p)] {
			continue
		}
		seen[strings.ToLower(p)] = true
		// first_word (lower case) lets SQL skip the regular expression for
		// messages that cannot match
		first := strings.ToLower(strings.Fields(p)[0])
		if _, err := db.ExecContext(ctx, `insert into compliance_phrases values (?, ?, ?)`, p, PhrasePattern(p), first); err != nil {
			return fmt.Errorf("write compliance settings: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, `create table compliance_min_minutes (platform varchar primary key, min_minutes double)`); err != nil {
		return fmt.Errorf("write compliance settings: %w", err)
	}
	mins := s.MinMinutes
	if mins == nil {
		mins = DefaultMinMinutes
	}
	platforms := make([]string, 0, len(mins))
	for p := range mins {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		if mins[p] <= 0 {
			continue
		}
		if _, err := db.ExecContext(ctx, `insert into compliance_min_minutes values (?, ?)`, strings.ToLower(strings.TrimSpace(p)), mins[p]); err != nil {
			return fmt.Errorf("write compliance settings: %w", err)
		}
	}
	return nil
}

// PhrasePattern is the RE2 pattern that finds a disclosure phrase in a
// message, ignoring case: as a whole word where the phrase begins or ends
// with a letter or digit ("ad" does not match "add"; "#ad" matches "#ad," and
// "deal#ad" but not "#adorable"), spaces in the phrase matching any run of
// white space.
func PhrasePattern(phrase string) string {
	words := strings.Fields(phrase)
	if len(words) == 0 {
		return `(?i)$^`
	}
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	isWord := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
	first, _ := utf8.DecodeRuneInString(phrase[len(phrase)-len(strings.TrimLeftFunc(phrase, unicode.IsSpace)):])
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRightFunc(phrase, unicode.IsSpace))
	p := `(?i)`
	if isWord(first) {
		p += `(^|[^\pL\pN_])`
	}
	p += strings.Join(words, `\s+`)
	if isWord(last) {
		p += `($|[^\pL\pN_])`
	}
	return p
}

// runTest counts the rows a data test returns and keeps the first five.
func runTest(ctx context.Context, db *sql.DB, t *Model) (TestResult, error) {
	q := strings.TrimRight(strings.TrimSpace(t.SQL), ";")
	tr := TestResult{Name: t.Name, Path: t.Path}
	if err := db.QueryRowContext(ctx, "select count(*) from (\n"+q+"\n)").Scan(&tr.Failures); err != nil {
		return tr, fmt.Errorf("%s: %s", t.Path, cleanDuckDBError(err))
	}
	if tr.Failures == 0 {
		return tr, nil
	}
	rows, err := db.QueryContext(ctx, "select * from (\n"+q+"\n) limit 5")
	if err != nil {
		return tr, fmt.Errorf("%s: %w", t.Path, err)
	}
	defer rows.Close()
	tr.Columns, _ = rows.Columns()
	for rows.Next() {
		vals := make([]any, len(tr.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return tr, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = FormatValue(v)
		}
		tr.Sample = append(tr.Sample, row)
	}
	return tr, rows.Err()
}

// exportMarts writes each mart to lake/marts/<name>.parquet (temp + rename).
func exportMarts(ctx context.Context, db *sql.DB, workspace string, models []*Model) error {
	dir := filepath.Join(workspace, "lake", "marts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var names []string
	for _, m := range models {
		if m.Layer == "marts" {
			names = append(names, m.Name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		final := filepath.Join(dir, n+".parquet")
		// hidden while written: readers of lake/marts/ (a *.parquet glob,
		// Spark, Trino) skip dot files; an interrupted export is removed by
		// the next ingest.Lake.Init
		tmp := filepath.Join(dir, fmt.Sprintf(".%s.parquet.tmp-%d", n, os.Getpid()))
		q := fmt.Sprintf("copy (select * from %s) to '%s' (format parquet, compression snappy)", n, strings.ReplaceAll(tmp, "'", "''"))
		if _, err := db.ExecContext(ctx, q); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("export mart %s: %w", n, err)
		}
		if err := syncPath(tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, final); err != nil {
			return fmt.Errorf("export mart %s: %w", n, err)
		}
	}
	return nil
}

// RemoveInterrupted removes what a killed build left next to the warehouse:
// its new DuckDB file (<warehouse>.tmp-<pid>) with DuckDB's .wal and spill
// folder. The caller makes sure no build is running (the workspace lock).
func RemoveInterrupted(warehouse string) error {
	dir, prefix := filepath.Dir(warehouse), filepath.Base(warehouse)+".tmp-"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			p := filepath.Join(dir, e.Name())
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("remove %s left by an interrupted build: %w", p, err)
			}
		}
	}
	return nil
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// cleanDuckDBError trims the driver's prefix so the message starts with
// DuckDB's own error kind ("Binder Error: …").
func cleanDuckDBError(err error) string {
	var de *duckdb.Error
	msg := err.Error()
	if errors.As(err, &de) {
		msg = de.Msg
	}
	return strings.TrimSpace(msg)
}
