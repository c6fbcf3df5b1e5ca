package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
	"github.com/postlive/postlive/workspace"
)

// configChange changes one setting of the demo workspace: by an environment
// variable, or by replacing text of its postlive.yaml (for settings held in
// the file only). reads are the settings tables of the key (models §
// settingsTables): the build must compute again every table that reads
// them, directly or through another model, and reuse every other one. A key
// with no tables is read by no model: run must find nothing to do.
type configChange struct {
	key      string
	env      [2]string // variable, value
	old, new string    // postlive.yaml text replaced
	reads    []string
	why      string // for a key no model reads: who reads it
}

// importSettings is why run builds nothing after an import setting changed:
// the manifest keeps each file's import settings (ingest.Options.ConfigKey)
// and a file whose import had no rejects is not read again; a file with
// rejects is (TestReimportAfterFixingConfig).
const importSettings = "an import setting: applies to files imported from now on and to files whose import had rejects"

var configChanges = []configChange{
	{key: "attribution.window", env: [2]string{"POSTLIVE_ATTRIBUTION_WINDOW", "24h"}, reads: []string{"attribution_settings"}},
	{key: "clicks.duplicate_window", env: [2]string{"POSTLIVE_CLICKS_DUPLICATE_WINDOW", "10s"}, reads: []string{"click_settings"}},
	{key: "clicks.stream_param", env: [2]string{"POSTLIVE_CLICKS_STREAM_PARAM", "utm_term"}, why: importSettings},
	{key: "bots.patterns", env: [2]string{"POSTLIVE_BOTS_PATTERNS", "uptime,scanner"}, why: importSettings},
	{key: "pii.salt", env: [2]string{"POSTLIVE_PII_SALT", "another-salt"}, why: importSettings},
	{key: "pii.url_params", env: [2]string{"POSTLIVE_PII_URL_PARAMS", "email,phone"}, why: importSettings},
	{key: "import.max_record_bytes", env: [2]string{"POSTLIVE_IMPORT_MAX_RECORD_BYTES", "2MiB"}, why: importSettings},
	{key: "import.earliest", env: [2]string{"POSTLIVE_IMPORT_EARLIEST", "2010-01-01"}, why: importSettings},
	{key: "import.latest_ahead", env: [2]string{"POSTLIVE_IMPORT_LATEST_AHEAD", "365d"}, why: importSettings},
	{key: "import.max_stream_length", env: [2]string{"POSTLIVE_IMPORT_MAX_STREAM_LENGTH", "12h"}, why: importSettings},
	{key: "report.currency", env: [2]string{"POSTLIVE_REPORT_CURRENCY", "EUR"}, reads: []string{"report_settings"}},
	{key: "default_merchant", env: [2]string{"POSTLIVE_DEFAULT_MERCHANT", "glowlab"}, why: importSettings},
	{key: "time_zones.<format>", env: [2]string{"POSTLIVE_TIME_ZONES_GENERIC", "Europe/Berlin"}, why: importSettings},
	{key: "currencies.<format>", env: [2]string{"POSTLIVE_CURRENCIES_AMAZON_EARNINGS", "GBP"}, why: importSettings},
	{key: "decimal_separators.<format>", env: [2]string{"POSTLIVE_DECIMAL_SEPARATORS_GENERIC", ","}, why: importSettings},
	{key: "commission_rates.<merchant_id>", old: "payouts:\n", new: "commission_rates:\n  glowlab: 0.12\npayouts:\n", reads: []string{"commission_rate_settings"}},
	{key: "reconciliation.leak_after", env: [2]string{"POSTLIVE_RECONCILIATION_LEAK_AFTER", "12h"}, reads: []string{"reconciliation_settings"}},
	{key: "reconciliation.leak_min_redemptions", env: [2]string{"POSTLIVE_RECONCILIATION_LEAK_MIN_REDEMPTIONS", "2"}, reads: []string{"reconciliation_settings"}},
	{key: "reconciliation.leak_share", env: [2]string{"POSTLIVE_RECONCILIATION_LEAK_SHARE", "0.2"}, reads: []string{"reconciliation_settings"}},
	{key: "duckdb.threads", env: [2]string{"POSTLIVE_DUCKDB_THREADS", "1"}, why: "how DuckDB runs, not what it computes"},
	{key: "duckdb.memory_limit", env: [2]string{"POSTLIVE_DUCKDB_MEMORY_LIMIT", "3GB"}, why: "how DuckDB runs, not what it computes"},
	{key: "experiments.<id>.control", old: "control: 20off", new: "control: 30off", reads: []string{"experiment_settings"}},
	{key: "experiments.<id>.primary_metric", old: "primary_metric: rpv", new: "primary_metric: aov", reads: []string{"experiment_settings"}},
	{key: "experiments.<id>.planned_streams", old: "planned_streams: 12", new: "planned_streams: 20", reads: []string{"experiment_settings"}},
	{key: "experiments.<id>.alpha", old: "control: link-in-bio\n", new: "control: link-in-bio\n    alpha: 0.1\n", reads: []string{"experiment_settings"}},
	{key: "experiments.<id>.allocation", old: "control: link-in-bio\n", new: "control: link-in-bio\n    allocation: \"link-in-bio=1, tap-the-cart=2\"\n", reads: []string{"experiment_allocation"}},
	{key: "decision.prior_sd", env: [2]string{"POSTLIVE_DECISION_PRIOR_SD", "0.5"}, reads: []string{"decision_settings"}},
	{key: "decision.prior_min_experiments", env: [2]string{"POSTLIVE_DECISION_PRIOR_MIN_EXPERIMENTS", "3"}, reads: []string{"decision_settings"}},
	{key: "payouts.close_after", env: [2]string{"POSTLIVE_PAYOUTS_CLOSE_AFTER", "20d"}, reads: []string{"payout_settings"}},
	{key: "campaigns.<id>.name", old: "name: Kitchenly weekend, two hosts", new: "name: Kitchenly weekend", reads: []string{"campaign_settings"}},
	{key: "campaigns.<id>.streams", old: "streams: [s-2026-11-14-chloe, s-2026-11-15-ben]", new: "streams: [s-2026-11-14-chloe]", reads: []string{"campaign_stream_list"}},
	{key: "campaigns.<id>.stream_prefix", old: "campaigns:\n", new: "campaigns:\n  ben-december:\n    stream_prefix: s-2026-12-\n", reads: []string{"campaign_settings"}},
	{key: "campaigns.<id>.flat_fee", old: "flat_fee: 120.00", new: "flat_fee: 150.00", reads: []string{"campaign_settings"}},
	{key: "campaigns.<id>.bonuses", old: "amount: 60}", new: "amount: 70}", reads: []string{"campaign_bonus_tiers"}},
	{key: "campaigns.<id>.first_n_bonus", old: "first_n_bonus: 2.00", new: "first_n_bonus: 3.00", reads: []string{"campaign_settings"}},
	{key: "compliance.disclosure_phrases", env: [2]string{"POSTLIVE_COMPLIANCE_DISCLOSURE_PHRASES", "#ad,#werbung"}, reads: []string{"compliance_phrases"}},
	{key: "compliance.disclosure_within", env: [2]string{"POSTLIVE_COMPLIANCE_DISCLOSURE_WITHIN", "2m"}, reads: []string{"compliance_settings"}},
	{key: "compliance.min_minutes.<platform>", env: [2]string{"POSTLIVE_COMPLIANCE_MIN_MINUTES_TIKTOK", "20"}, reads: []string{"compliance_min_minutes"}},
	{key: "email.smtp.host", why: "postlive send (a host makes run send: checked through BuildKey, which run asks)"},
	{key: "email.smtp.port", env: [2]string{"POSTLIVE_EMAIL_SMTP_PORT", "2525"}, why: "postlive send"},
	{key: "email.smtp.tls", env: [2]string{"POSTLIVE_EMAIL_SMTP_TLS", "tls"}, why: "postlive send"},
	{key: "email.smtp.user", env: [2]string{"POSTLIVE_EMAIL_SMTP_USER", "reports@example.com"}, why: "postlive send"},
	{key: "email.smtp.password", old: "payouts:\n", new: "email:\n  smtp:\n    user: u\n    password: p\npayouts:\n", why: "postlive send"},
	{key: "email.smtp.auth", env: [2]string{"POSTLIVE_EMAIL_SMTP_AUTH", "plain"}, why: "postlive send"},
	{key: "email.smtp.ca_file", env: [2]string{"POSTLIVE_EMAIL_SMTP_CA_FILE", "relay.pem"}, why: "postlive send"},
	{key: "email.smtp.timeout", env: [2]string{"POSTLIVE_EMAIL_SMTP_TIMEOUT", "1m"}, why: "postlive send"},
	{key: "email.from", env: [2]string{"POSTLIVE_EMAIL_FROM", "reports@example.com"}, why: "postlive send"},
	{key: "email.to.<affiliate_id>", old: "payouts:\n", new: "email:\n  to:\n    ana: ana@example.com\npayouts:\n", why: "postlive send"},
	{key: "email.max_streams", env: [2]string{"POSTLIVE_EMAIL_MAX_STREAMS", "2"}, why: "postlive send"},
}

// TestRunRebuildsWhatReadsAChangedSetting changes every setting in turn
// (workspace.Keys: a new key fails this test until it has a row) and
// checks, from the build's reuse report, that postlive run computes again
// exactly the tables that read it and reuses every other one — and that a
// setting no model reads rebuilds nothing. Before, run hashed a hand-kept
// list of six settings: a campaign's flat_fee changed, run said "nothing
// new", and the payouts kept the old fee.
func TestRunRebuildsWhatReadsAChangedSetting(t *testing.T) {
	demo := demoWorkspace(t)
	base := t.TempDir()
	copyTree(t, filepath.Join(demo, "inbox"), filepath.Join(base, "inbox"))
	yaml, err := os.ReadFile(filepath.Join(demo, "postlive.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(base, "postlive.yaml"), string(yaml))
	if code, out, errOut := postlive(t, "-w", base, "run"); code != 0 {
		t.Fatalf("first run = %d: %s%s", code, out, errOut)
	}
	baseFees := queryOne(t, base, "select sum(flat_fees) from payouts")

	covered := map[string]bool{}
	for _, c := range configChanges {
		covered[c.key] = true
	}
	for _, k := range workspace.Keys() {
		if !covered[k] {
			t.Errorf("setting %s has no row in configChanges: say which settings tables it reaches (or who reads it)", k)
		}
	}

	ms, _, err := models.Load(sqlfiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range configChanges {
		t.Run(c.key, func(t *testing.T) {
			ws := t.TempDir()
			copyTree(t, base, ws)
			if c.old != "" {
				if !strings.Contains(string(yaml), c.old) {
					t.Fatalf("the demo postlive.yaml has no %q", c.old)
				}
				writeFile(t, filepath.Join(ws, "postlive.yaml"), strings.Replace(string(yaml), c.old, c.new, 1))
			}
			if c.env[0] != "" {
				t.Setenv(c.env[0], c.env[1])
			}
			if c.key == "email.smtp.host" {
				before := buildKey(t, ws)
				t.Setenv("POSTLIVE_EMAIL_SMTP_HOST", "smtp.example.com")
				if after := buildKey(t, ws); after != before {
					t.Errorf("email.smtp.host changed the build key")
				}
				return
			}
			code, out, errOut := postlive(t, "-w", ws, "run")
			if code != 0 {
				t.Fatalf("run = %d: %s%s", code, out, errOut)
			}
			if len(c.reads) == 0 {
				if !strings.Contains(out, "nothing new") {
					t.Errorf("run after %s changed (read by %s) did work:\n%s", c.key, c.why, out)
				}
				return
			}
			got := rebuilt(t, ms, out)
			want := readersOf(ms, c.reads)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("after %s changed, run computed\n  %v\nwant the tables that read %v:\n  %v", c.key, got, c.reads, want)
			}
			if c.key == "campaigns.<id>.flat_fee" {
				// kitchen-weekend's two streams: 2 × (150.00 − 120.00) more
				if fees := queryOne(t, ws, "select sum(flat_fees) - 60 from payouts"); fees != baseFees {
					t.Errorf("flat fees after flat_fee 120 → 150: %s − 60; want %s", fees, baseFees)
				}
			}
		})
	}
}

// rebuilt lists the tables a run's build computed: the materialised models
// not in its "reused from the previous build" line.
func rebuilt(t *testing.T, ms []*models.Model, out string) []string {
	t.Helper()
	if !strings.Contains(out, "built ") {
		t.Fatalf("run did not build:\n%s", out)
	}
	reused := map[string]bool{}
	if _, line, ok := strings.Cut(out, "reused from the previous build (inputs unchanged): "); ok {
		line, _, _ = strings.Cut(line, "\n")
		for _, m := range strings.Split(line, ", ") {
			reused[m] = true
		}
	}
	var got []string
	for _, m := range ms {
		if m.Materialized() && !reused[m.Name] {
			got = append(got, m.Name)
		}
	}
	sort.Strings(got)
	return got
}

var sqlComment = regexp.MustCompile(`--[^\n]*`)

// readersOf lists the materialised models that read one of the tables,
// directly (the table's name in their SQL, comments aside) or through the
// models they read.
func readersOf(ms []*models.Model, tables []string) []string {
	reads := map[string]bool{}
	var out []string
	for _, m := range ms { // in build order: what a model reads comes first
		sql := sqlComment.ReplaceAllString(m.SQL, "")
		for _, tbl := range tables {
			reads[m.Name] = reads[m.Name] || regexp.MustCompile(`\b`+tbl+`\b`).MatchString(sql)
		}
		for _, d := range m.Deps {
			reads[m.Name] = reads[m.Name] || reads[d]
		}
		if reads[m.Name] && m.Materialized() {
			out = append(out, m.Name)
		}
	}
	sort.Strings(out)
	return out
}

func buildKey(t *testing.T, ws string) string {
	t.Helper()
	w, err := workspace.Load(ws)
	if err != nil {
		t.Fatal(err)
	}
	k, err := w.BuildKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func queryOne(t *testing.T, ws, q string) string {
	t.Helper()
	code, out, errOut := postlive(t, "-w", ws, "query", "--format", "csv", q)
	if code != 0 {
		t.Fatalf("query %s = %d %s", q, code, errOut)
	}
	_, v, _ := strings.Cut(strings.TrimSpace(out), "\n")
	return v
}
