package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/postlive/postlive/models"
)

const mailPassword = "s3cret-pa55"

func writeFile(t *testing.T, p, body string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadConfig loads the workspace ws with the test's environment.
func loadConfig(t *testing.T, ws string) (*Config, error) {
	t.Helper()
	w, err := Load(ws)
	if err != nil {
		return nil, err
	}
	return w.Config, nil
}

func TestConfigDefaultsAndEnv(t *testing.T) {
	ws := t.TempDir()
	c, err := loadConfig(t, ws)
	if err != nil {
		t.Fatal(err)
	}
	if c.AttributionWindow != 48*time.Hour || c.DuplicateWindow != 30*time.Second || c.StreamParam != "utm_content" || c.Currency != "USD" {
		t.Errorf("defaults = %+v", c)
	}
	if c.Salt == "" || c.SaltSource != ".postlive/salt" {
		t.Errorf("no workspace salt was created: %+v", c)
	}
	writeFile(t, filepath.Join(ws, "postlive.yaml"), "attribution:\n  window: 24h\ntime_zones:\n  shopify: America/New_York\nexperiments:\n  exp1:\n    control: a\n    alpha: 0.1\n  Exp-Offer-2:\n    control: Low\n")
	t.Setenv("POSTLIVE_ATTRIBUTION_WINDOW", "2d")
	t.Setenv("POSTLIVE_CLICKS_DUPLICATE_WINDOW", "10s")
	t.Setenv("POSTLIVE_PII_SALT", "from-env")
	t.Setenv("POSTLIVE_TIME_ZONES_TIKTOK_ADS", "Asia/Singapore")
	c, err = loadConfig(t, ws)
	if err != nil {
		t.Fatal(err)
	}
	if c.AttributionWindow != 48*time.Hour || c.DuplicateWindow != 10*time.Second || c.Salt != "from-env" {
		t.Errorf("env overrides not applied: %+v", c)
	}
	if c.TimeZones["shopify"] != "America/New_York" || c.TimeZones["tiktok-ads"] != "Asia/Singapore" {
		t.Errorf("time zones = %v", c.TimeZones)
	}
	if e := c.Experiments["exp1"]; e.Control != "a" || e.Alpha != 0.1 || e.PrimaryMetric != "rpv" {
		t.Errorf("experiment config = %+v", e)
	}
	// experiment ids keep their case (viper alone would fold them)
	if e, ok := c.Experiments["Exp-Offer-2"]; !ok || e.Control != "Low" || e.Alpha != 0.05 {
		t.Errorf("experiments = %+v; want Exp-Offer-2 with control Low", c.Experiments)
	}
	writeFile(t, filepath.Join(ws, "postlive.yaml"), "time_zones:\n  shopify: Mars/Olympus\n")
	if _, err := loadConfig(t, ws); err == nil || !strings.Contains(err.Error(), "time_zones.shopify") {
		t.Errorf("bad zone error = %v", err)
	}
}

func TestConfigCommissionRatesAndLeaks(t *testing.T) {
	ws := t.TempDir()
	c, err := loadConfig(t, ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CommissionRates) != 0 || c.LeakAfter.Hours() != 24 || c.LeakMinRedemptions != 3 || c.LeakShare != 0.1 {
		t.Errorf("defaults: rates %v, leak_after %v, leak_min_redemptions %d, leak_share %v", c.CommissionRates, c.LeakAfter, c.LeakMinRedemptions, c.LeakShare)
	}
	path := filepath.Join(ws, "postlive.yaml")
	// merchant ids keep their case (viper would fold it)
	writeFile(t, path, "commission_rates:\n  GlowLab: 0.12\n  kitchenly: 0.1\nreconciliation:\n  leak_after: 2d\n  leak_share: 0.25\n")
	t.Setenv("POSTLIVE_RECONCILIATION_LEAK_MIN_REDEMPTIONS", "5")
	if c, err = loadConfig(t, ws); err != nil {
		t.Fatal(err)
	}
	if c.CommissionRates["GlowLab"] != 0.12 || c.CommissionRates["kitchenly"] != 0.1 || len(c.CommissionRates) != 2 {
		t.Errorf("commission rates = %v", c.CommissionRates)
	}
	if c.LeakAfter.Hours() != 48 || c.LeakShare != 0.25 || c.LeakMinRedemptions != 5 {
		t.Errorf("leak settings = %v %v %d", c.LeakAfter, c.LeakShare, c.LeakMinRedemptions)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"commission_rates:\n  m1: 12%\n  m2: 1.5\n", path + `:2:7: commission_rates.m1: "12%" is not a rate between 0 and 1; write 10 % as 0.10`},
		{"commission_rates:\n  m1: 12%\n  m2: 1.5\n", path + `:3:7: commission_rates.m2: "1.5" is not a rate between 0 and 1`},
		{"commission_rates: 0.1\n", path + `:1:19: commission_rates must map merchant ids to values`},
		{"reconciliation:\n  leak_share: 0\n", `reconciliation.leak_share: "0" is not a share above 0 and at most 1`},
		{"reconciliation:\n  leak_after: 0s\n", "reconciliation.leak_after: must be longer than 0s"},
		{"reconciliation:\n  leak_afterr: 1h\n", path + `:2:3: unknown key "reconciliation.leak_afterr"`},
	} {
		writeFile(t, path, tc.yaml)
		_, err := loadConfig(t, ws)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %q: error %v; want %q", tc.yaml, err, tc.want)
		}
		var ce *ConfigError
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("config %q: error %T; want a *ConfigError (exit 2)", tc.yaml, err)
		}
	}
}

// TestConfigKeysDocumented: every key of the key table has a row in
// docs/configuration.md, with the key's default where it has one, every
// campaign key is listed, and the example postlive.yaml of the docs loads.
func TestConfigKeysDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, k := range keys {
		if k.name == "campaigns.<id>" {
			for _, ck := range campaignKeys {
				if !strings.Contains(doc, "| `campaigns.<id>."+ck+"` |") {
					t.Errorf("docs/configuration.md has no row for campaigns.<id>.%s", ck)
				}
			}
			continue
		}
		row := "| `" + k.name + "` | "
		i := strings.Index(doc, row)
		if i < 0 {
			t.Errorf("docs/configuration.md has no row for %s", k.name)
			continue
		}
		cell, _, _ := strings.Cut(doc[i+len(row):], " |")
		if k.def != "" && cell != "`"+k.def+"`" {
			t.Errorf("docs/configuration.md: %s defaults to %s; the key table says `%s`", k.name, cell, k.def)
		}
	}
	i := strings.Index(doc, "## Example\n\n```yaml\n")
	if i < 0 {
		t.Fatal("docs/configuration.md has no yaml example")
	}
	example := doc[i+len("## Example\n\n```yaml\n"):]
	example = example[:strings.Index(example, "```")]
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), strings.ReplaceAll(example, "8c1f…", "8c1f"))
	c, err := loadConfig(t, ws)
	if err != nil {
		t.Fatalf("the example of docs/configuration.md does not load: %v", err)
	}
	if c.CommissionRates["glowlab"] != 0.12 || c.LeakMinRedemptions != 3 {
		t.Errorf("example config: rates %v, leak_min_redemptions %d", c.CommissionRates, c.LeakMinRedemptions)
	}
}

func TestConfigCampaigns(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), `campaigns:
  Glow-Week:
    name: GlowLab glow week
    streams: [s-2026-11-09-ana, s-2026-11-13-ben]
    flat_fee: 150.00
    bonuses:
      - {revenue_over: 1000, amount: 50}
      - revenue_over: 2000
        amount: 120.5
    first_n_bonus: 2
  dec:
    stream_prefix: s-2026-12-
payouts:
  close_after: 10d
compliance:
  disclosure_phrases: ["#ad", "Werbung"]
  disclosure_within: 2m
  min_minutes:
    tiktok: 20
`)
	c, err := loadConfig(t, ws)
	if err != nil {
		t.Fatal(err)
	}
	want := []models.CampaignSetting{
		{ID: "Glow-Week", Name: "GlowLab glow week", Streams: []string{"s-2026-11-09-ana", "s-2026-11-13-ben"}, FlatFee: "150.00",
			FirstNBonus: "2", Bonuses: []models.BonusTier{{RevenueOver: "1000", Amount: "50"}, {RevenueOver: "2000", Amount: "120.5"}}},
		{ID: "dec", StreamPrefix: "s-2026-12-"},
	}
	if !reflect.DeepEqual(c.Campaigns, want) {
		t.Errorf("campaigns = %+v;\nwant %+v", c.Campaigns, want)
	}
	if c.PayoutCloseAfter != 10*24*time.Hour || c.DisclosureWithin != 2*time.Minute {
		t.Errorf("close_after %v, disclosure_within %v; want 240h, 2m", c.PayoutCloseAfter, c.DisclosureWithin)
	}
	if !reflect.DeepEqual(c.DisclosurePhrases, []string{"#ad", "Werbung"}) {
		t.Errorf("disclosure phrases = %q", c.DisclosurePhrases)
	}
	// the configured platform is added to the default amazon_live minimum
	if !reflect.DeepEqual(c.MinMinutes, map[string]float64{"amazon_live": 30, "tiktok": 20}) {
		t.Errorf("min minutes = %v", c.MinMinutes)
	}

	t.Setenv("POSTLIVE_PAYOUTS_CLOSE_AFTER", "0d")
	t.Setenv("POSTLIVE_COMPLIANCE_DISCLOSURE_PHRASES", "anzeige, #ad")
	t.Setenv("POSTLIVE_COMPLIANCE_MIN_MINUTES_AMAZON_LIVE", "0")
	if c, err = loadConfig(t, ws); err != nil {
		t.Fatal(err)
	}
	if c.PayoutCloseAfter != 0 || !reflect.DeepEqual(c.DisclosurePhrases, []string{"anzeige", "#ad"}) || c.MinMinutes["amazon_live"] != 0 {
		t.Errorf("env overrides: close_after %v, phrases %q, min minutes %v", c.PayoutCloseAfter, c.DisclosurePhrases, c.MinMinutes)
	}
}

func TestConfigDefaultsOfPayoutsAndCompliance(t *testing.T) {
	c, err := loadConfig(t, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.PayoutCloseAfter != 15*24*time.Hour || c.DisclosureWithin != 90*time.Second || len(c.Campaigns) != 0 {
		t.Errorf("defaults: close_after %v, disclosure_within %v, campaigns %v", c.PayoutCloseAfter, c.DisclosureWithin, c.Campaigns)
	}
	if !reflect.DeepEqual(c.DisclosurePhrases, []string{"#ad", "commission", "affiliate", "sponsored", "paid partnership"}) || !reflect.DeepEqual(c.MinMinutes, map[string]float64{"amazon_live": 30}) {
		t.Errorf("defaults: phrases %q, min minutes %v", c.DisclosurePhrases, c.MinMinutes)
	}
}

// TestEmailConfig: defaults, POSTLIVE_EMAIL_* overrides, affiliate ids kept
// as written (viper would lower-case them), lists and comma-separated
// addresses, a CA file relative to the workspace.
func TestEmailConfig(t *testing.T) {
	ws := t.TempDir()
	c, err := loadConfig(t, ws)
	if err != nil {
		t.Fatal(err)
	}
	e := c.Email
	if e.SMTP.Host != "" || e.SMTP.TLS != "starttls" || e.SMTP.Auth != "auto" || e.SMTP.Port != 0 || e.MaxStreams != 5 || e.SMTP.Timeout.Seconds() != 30 || len(e.To) != 0 {
		t.Errorf("defaults = %+v", e)
	}
	writeFile(t, filepath.Join(ws, "postlive.yaml"), `email:
  smtp:
    host: smtp.example.com
    ca_file: certs/relay.pem
    user: reports@example.com
  from: reports@example.com
  max_streams: 3
  to:
    Ana-01: Ana <ana@example.com>
    ben: ben@example.com, agent@example.org
    chloe: [chloe@example.com]
`)
	t.Setenv("POSTLIVE_EMAIL_SMTP_PORT", "2525")
	t.Setenv("POSTLIVE_EMAIL_SMTP_PASSWORD", mailPassword)
	c, err = loadConfig(t, ws)
	if err != nil {
		t.Fatal(err)
	}
	e = c.Email
	if e.SMTP.Host != "smtp.example.com" || e.SMTP.Port != 2525 || e.SMTP.Password != mailPassword || e.MaxStreams != 3 ||
		e.SMTP.CAFile != filepath.Join(ws, "certs", "relay.pem") || e.SMTP.Addr() != "smtp.example.com:2525" {
		t.Errorf("email config = %+v", e)
	}
	want := map[string]string{"Ana-01": "Ana <ana@example.com>", "ben": "ben@example.com|agent@example.org", "chloe": "chloe@example.com"}
	if len(e.To) != len(want) {
		t.Errorf("email.to = %v", e.To)
	}
	for k, w := range want {
		if got := strings.Join(e.To[k], "|"); got != w {
			t.Errorf("email.to.%s = %q; want %q", k, got, w)
		}
	}
}

// TestConfigExperimentAllocation: experiments.<id>.allocation reaches the
// model settings as variant weights; bad values name the key and the fix.
func TestConfigExperimentAllocation(t *testing.T) {
	ws := t.TempDir()
	path := filepath.Join(ws, "postlive.yaml")
	writeFile(t, path, "experiments:\n  exp-1:\n    allocation: \"control=1, B=2\"\n")
	c, err := loadConfig(t, ws)
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Experiments["exp-1"].Allocation; len(a) != 2 || a["control"] != 1 || a["B"] != 2 {
		t.Errorf("allocation = %v", a)
	}
	if s := c.ModelSettings(); len(s.Experiments) != 1 || s.Experiments[0].Allocation["B"] != 2 ||
		s.Experiments[0].Alpha != 0.05 {
		t.Errorf("model settings = %+v", s.Experiments)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"experiments:\n  e:\n    allocation: \"A=1\"\n", "names fewer than two variants"},
		{"experiments:\n  e:\n    allocation: \"A=1, B=0\"\n", "positive weights"},
		{"experiments:\n  e:\n    allocation: \"A=1, A=2\"\n", "names variant A twice"},
		{"experiments:\n  e:\n    allocation: \"A:1, B:1\"\n", "variant=weight"},
	} {
		writeFile(t, path, tc.yaml)
		_, err := loadConfig(t, ws)
		if err == nil || !strings.Contains(err.Error(), "experiments.e.allocation") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %q: error %v; want experiments.e.allocation and %q", tc.yaml, err, tc.want)
		}
	}
}
