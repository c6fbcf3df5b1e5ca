package workspace

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestEnvironmentProblems: a POSTLIVE_ variable is held to the same key
// table as postlive.yaml — a typo or a bad value is a configuration error
// (exit 2) naming the variable, never the file, and never silently ignored.
func TestEnvironmentProblems(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want string // "" = loads
	}{
		{[]string{"POSTLIVE_ATTRIBUTION_WINDW=1h"}, "POSTLIVE_ATTRIBUTION_WINDW: no such setting; did you mean POSTLIVE_ATTRIBUTION_WINDOW?"},
		{[]string{"POSTLIVE_ATTRIBUTION_WINDOW=abc"}, `POSTLIVE_ATTRIBUTION_WINDOW (attribution.window): "abc" is not a duration; write it like 48h, 30s or 2d`},
		{[]string{"POSTLIVE_REPORT_CURRENCY=dollars"}, `POSTLIVE_REPORT_CURRENCY (report.currency): "dollars" is not an ISO 4217 currency code like USD, EUR or GBP`},
		{[]string{"POSTLIVE_REPORT_CURRENCY=XYZ"}, `POSTLIVE_REPORT_CURRENCY (report.currency): "XYZ" is not an ISO 4217 currency code`},
		{[]string{"POSTLIVE_TIME_ZONES_SHOPIFY=Mars/Olympus"}, `POSTLIVE_TIME_ZONES_SHOPIFY (time_zones.shopify): unknown time zone "Mars/Olympus"`},
		{[]string{"POSTLIVE_COMPLIANCE_MIN_MINUTES_TIKTOK=half"}, `POSTLIVE_COMPLIANCE_MIN_MINUTES_TIKTOK (compliance.min_minutes.tiktok): "half" is not a number of minutes`},
		{[]string{"POSTLIVE_COMMISSION_RATES_GLOWLAB=0.1"}, "POSTLIVE_COMMISSION_RATES_GLOWLAB: commission_rates is set in postlive.yaml only"},
		{[]string{"POSTLIVE_EXPERIMENTS_EXP1_ALPHA=0.1"}, "POSTLIVE_EXPERIMENTS_EXP1_ALPHA: experiments is set in postlive.yaml only"},
		{[]string{"POSTLIVE_EMAIL_SMTP_PORT=smtp"}, `POSTLIVE_EMAIL_SMTP_PORT (email.smtp.port): "smtp" is not a port number`},
		{[]string{"POSTLIVE_EMAIL_SMTP_PASSWORD=pw"}, "email.smtp.password is set but email.smtp.user is not"},
		{[]string{"POSTLIVE_BOGUS=1"}, "POSTLIVE_BOGUS: no such setting; docs/configuration.md lists the variables"},
		// the variables the program or its tools read are no settings, and fine
		{[]string{"POSTLIVE_WORKSPACE=/tmp", "POSTLIVE_ARTIFACTS=/tmp/a", "POSTLIVE_REQUIRE_BROWSER=1", "POSTLIVE_ASSETS_FORCE=1",
			"POSTLIVE_EMAIL_SMTP_USER=u", "POSTLIVE_EMAIL_SMTP_PASSWORD=pw", "POSTLIVE_REPORT_CURRENCY=eur", "PATH=/bin"}, ""},
	} {
		ws := t.TempDir()
		writeFile(t, filepath.Join(ws, "postlive.yaml"), "attribution:\n  window: 24h\n")
		w, err := load(ws, tc.env)
		if tc.want == "" {
			if err != nil {
				t.Errorf("load with %q: %v", tc.env, err)
			} else if w.Config.Currency != "EUR" || w.Config.Email.SMTP.Password != "pw" {
				t.Errorf("load with %q: currency %q, password set %v", tc.env, w.Config.Currency, w.Config.Email.SMTP.Password != "")
			}
			continue
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("load with %q = %v; want a configuration error with %q", tc.env, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), ws) {
			t.Errorf("load with %q blames the file: %v", tc.env, err)
		}
	}
}

// TestFileProblemsAllAtOnce: every problem of postlive.yaml and of the
// environment is reported in one go, each with file:line:column: key, and
// a value problem says what to write.
func TestFileProblemsAllAtOnce(t *testing.T) {
	ws := t.TempDir()
	path := writeFile(t, filepath.Join(ws, "postlive.yaml"), `attribution:
  window: soon
report:
  currency: dollars
clicks:
  duplicate_windw: 30s
experiments:
  Exp-A:
    alpha: 2
    primary_metric: revenue
duckdb: 4
`)
	_, err := load(ws, []string{"POSTLIVE_PAYOUTS_CLOSE_AFTER=never"})
	if err == nil {
		t.Fatal("load succeeded")
	}
	for _, want := range []string{
		path + `:2:11: attribution.window: "soon" is not a duration; write it like 48h, 30s or 2d`,
		path + `:4:13: report.currency: "dollars" is not an ISO 4217 currency code`,
		path + `:6:3: unknown key "clicks.duplicate_windw"; did you mean "clicks.duplicate_window"?`,
		path + `:9:12: experiments.Exp-A.alpha: "2" must be between 0 and 1`,
		path + `:10:21: experiments.Exp-A.primary_metric: "revenue" is not one of rpv, cvr_click, ctr, aov`,
		path + `:11:9: duckdb is not a map`,
		`POSTLIVE_PAYOUTS_CLOSE_AFTER (payouts.close_after): "never" is not a duration`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack\n  %s\ngot:\n%v", want, err)
		}
	}
}

// TestDefaultsComplete: the defaults alone give complete model settings
// (models refuses incomplete ones), and an experiment named without
// settings takes the defaults of experiments.<id>.*.
func TestDefaultsComplete(t *testing.T) {
	s := Defaults().ModelSettings()
	if s.Currency != "USD" || s.DisclosureWithin.Seconds() != 90 || s.LeakMinRedemptions != 3 || s.ExperimentDefaults.PrimaryMetric != "rpv" || s.ExperimentDefaults.Alpha != 0.05 {
		t.Errorf("default model settings = %+v", s)
	}
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), "experiments:\n  bare:\n  set:\n    control: b\n")
	w, err := load(ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := w.ModelSettings()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ms.Experiments {
		if e.PrimaryMetric != "rpv" || e.Alpha != 0.05 {
			t.Errorf("experiment %s = %+v; want the defaults rpv, 0.05", e.ID, e)
		}
	}
}
