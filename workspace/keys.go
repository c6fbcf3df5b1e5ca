package workspace

import (
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/reports/email"
)

// key is one setting of postlive.yaml. Adding a setting is adding a row to
// keys: its name, its default, its documentation and how its value is read
// into Config. The environment variable, the unknown-key check, the default
// and the docs test (every key has a row in docs/configuration.md, with this
// default) follow from the row.
type key struct {
	// name is the dotted path in postlive.yaml; a segment <like_this> is
	// named by the user (a format, a merchant id, an experiment id).
	name string
	// def is the default as written in postlive.yaml ("" = none). It is
	// read by set like any value, so it is valid by construction.
	def string
	doc string
	// list: the value is a list — a YAML sequence, or in the environment a
	// comma-separated string.
	list bool
	// envID turns the tail of an environment variable into the user-named
	// segment (POSTLIVE_TIME_ZONES_TIKTOK_ADS → tiktok-ads). A key with a
	// user-named segment and no envID is set in postlive.yaml only (its ids
	// may hold characters a variable name cannot, and keep their case).
	envID func(string) string
	// set reads a value (for a user-named segment, of that id) into c. Its
	// error says what is wrong and what to do: `"abc" is not a duration;
	// write it like 48h`; the caller names the key and where it was set.
	set func(c *Config, id string, v value) error
}

// value is a setting as written: a scalar's text, or a list's items.
type value struct {
	text  string
	items []string
	list  bool
}

// keys are all settings of postlive.yaml (docs/configuration.md § Keys).
var keys = []key{
	{name: "attribution.window", def: "48h", doc: "orders up to this long after a stream ends count for it",
		set: durationKey(func(c *Config) *time.Duration { return &c.AttributionWindow }, 0)},
	{name: "clicks.duplicate_window", def: "30s", doc: "a click of the same visitor on the same link within this time of the previous counted one is a duplicate",
		set: durationKey(func(c *Config) *time.Duration { return &c.DuplicateWindow }, 0)},
	{name: "clicks.stream_param", def: ingest.DefaultStreamParam, doc: "URL parameter that carries the stream id",
		set: func(c *Config, _ string, v value) error {
			if c.StreamParam = strings.TrimSpace(v.text); c.StreamParam == "" {
				return fmt.Errorf("is empty; name the URL parameter that carries the stream id, e.g. utm_content")
			}
			return nil
		}},
	{name: "bots.patterns", def: "[]", list: true, doc: "extra user-agent substrings (case-insensitive) that mark a bot, added to the built-in list",
		set: func(c *Config, _ string, v value) error { c.BotPatterns = v.items; return nil }},
	{name: "pii.salt", doc: "salt for hashing e-mails, IPs and names; empty: a random salt is created in .postlive/salt",
		set: func(c *Config, _ string, v value) error { c.Salt = v.text; return nil }},
	{name: "pii.url_params", def: "[" + strings.Join(ingest.DefaultURLParams, ", ") + "]", list: true,
		doc: "query parameters of stored URLs (clicks.url, links.target_url) that carry personal data: their values become salted keys; the list replaces the default",
		set: func(c *Config, _ string, v value) error {
			c.URLParams = []string{}
			for _, p := range v.items {
				if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
					c.URLParams = append(c.URLParams, p)
				}
			}
			return nil
		}},
	{name: "import.max_record_bytes", def: byteSize(ingest.DefaultMaxRecordBytes), doc: "a line or CSV record longer than this is rejected, not read, and reading goes on at the next line",
		set: func(c *Config, _ string, v value) error {
			n, err := parseByteSize(v.text)
			if err != nil || n < 1024 || n > 1<<30 {
				return fmt.Errorf("%q is not a size from 1KiB to 1GiB; write it like 1MiB, 512KiB or 4MiB", v.text)
			}
			c.MaxRecordBytes = n
			return nil
		}},
	{name: "import.earliest", def: ingest.DefaultPlausible.Earliest.Format("2006-01-02"), doc: "a timestamp or date before this day (UTC) is rejected at import as implausible",
		set: func(c *Config, _ string, v value) error {
			d, err := time.Parse("2006-01-02", strings.TrimSpace(v.text))
			if err != nil {
				return fmt.Errorf("%q is not a date; write it like 2000-01-01", v.text)
			}
			c.Plausible.Earliest = d
			return nil
		}},
	{name: "import.latest_ahead", def: "730d", doc: "a timestamp or date more than this after the import is rejected as implausible",
		set: durationKey(func(c *Config) *time.Duration { return &c.Plausible.LatestAhead }, time.Hour)},
	{name: "import.max_stream_length", def: "24h", doc: "a stream longer than this (ended_at - started_at) is rejected at import; at most 168h",
		set: func(c *Config, _ string, v value) error {
			d, err := parseDuration(v.text)
			if err != nil {
				return err
			}
			// the models expand a stream minute by minute up to 7 days
			// (int_stream_minutes, int_orders_attributed)
			if d < time.Minute || d > 7*24*time.Hour {
				return fmt.Errorf("%q is not between 1m and 168h (7d)", v.text)
			}
			c.Plausible.MaxStreamLength = d
			return nil
		}},
	{name: "report.currency", def: "USD", doc: "currency of reports and of streams that name none",
		set: func(c *Config, _ string, v value) error {
			cur, err := isoCurrency(v.text)
			c.Currency = cur
			return err
		}},
	{name: "default_merchant", doc: "merchant id for merchant exports that do not carry one (Shopify)",
		set: func(c *Config, _ string, v value) error { c.DefaultMerchant = strings.TrimSpace(v.text); return nil }},
	{name: "time_zones.<format>", envID: formatID, doc: "IANA time zone for local times without an offset in that format's exports",
		set: func(c *Config, f string, v value) error {
			z := strings.TrimSpace(v.text)
			if _, err := time.LoadLocation(z); err != nil || z == "" {
				return fmt.Errorf("unknown time zone %q; use an IANA name like America/New_York", z)
			}
			c.TimeZones[f] = z
			return nil
		}},
	{name: "currencies.<format>", envID: formatID, doc: "currency of that format's exports when they name none (Amazon UK)",
		set: func(c *Config, f string, v value) error {
			cur, err := isoCurrency(v.text)
			c.Currencies[f] = cur
			return err
		}},
	{name: "decimal_separators.<format>", envID: formatID, doc: `"," when that format's ambiguous numbers use a decimal comma`,
		set: func(c *Config, f string, v value) error {
			if v.text != "." && v.text != "," {
				return fmt.Errorf("%q must be \".\" or \",\"", v.text)
			}
			c.Decimals[f] = v.text
			return nil
		}},
	{name: "commission_rates.<merchant_id>", doc: "commission rate of the merchant's orders whose drop and stream name none",
		set: func(c *Config, m string, v value) error {
			r, err := strconv.ParseFloat(strings.TrimSpace(v.text), 64)
			if err != nil || r < 0 || r > 1 {
				return fmt.Errorf("%q is not a rate between 0 and 1; write 10 %% as 0.10", v.text)
			}
			c.CommissionRates[m] = r
			return nil
		}},
	{name: "reconciliation.leak_after", def: "24h", doc: "a redemption this long or longer after its drop's window closed is a leak signal",
		set: durationKey(func(c *Config) *time.Duration { return &c.LeakAfter }, time.Nanosecond)},
	{name: "reconciliation.leak_min_redemptions", def: "3", doc: "a code is flagged leaked with at least this many leak-signal redemptions",
		set: intKey(func(c *Config) *int { return &c.LeakMinRedemptions }, 1, "a whole number of 1 or more")},
	{name: "reconciliation.leak_share", def: "0.1", doc: "… and when they are at least this share of the drop's counted redemptions",
		set: func(c *Config, _ string, v value) error {
			s, err := strconv.ParseFloat(strings.TrimSpace(v.text), 64)
			if err != nil || s <= 0 || s > 1 {
				return fmt.Errorf("%q is not a share above 0 and at most 1; write 10 %% as 0.1", v.text)
			}
			c.LeakShare = s
			return nil
		}},
	{name: "duckdb.threads", def: "0", doc: "DuckDB worker threads; 0 = all cores",
		set: intKey(func(c *Config) *int { return &c.Threads }, 0, "a whole number of threads (0 for all cores)")},
	{name: "duckdb.memory_limit", doc: "the process's memory limit, e.g. 8GB (at least 2GiB): DuckDB gets it minus max(20 %, 1 GiB) and spills the rest to disk, the Go heap a quarter of that headroom (at most 200 MiB); empty = DuckDB's default (80 % of RAM)",
		set: memoryLimitKey},
	{name: "experiments.<id>.control", doc: "the control variant (default: the alphabetically first)",
		set: experimentKey(func(e *Experiment, s string) error { e.Control = strings.TrimSpace(s); return nil })},
	{name: "experiments.<id>.primary_metric", def: "rpv", doc: "one of rpv, cvr_click, ctr, aov",
		set: experimentKey(func(e *Experiment, s string) error {
			if !slices.Contains(primaryMetrics, s) {
				return fmt.Errorf("%q is not one of %s", s, strings.Join(primaryMetrics, ", "))
			}
			e.PrimaryMetric = s
			return nil
		})},
	{name: "experiments.<id>.planned_streams", doc: "planned number of streams (all arms)",
		set: experimentKey(func(e *Experiment, s string) error {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 0 {
				return fmt.Errorf("%q is not a whole number of streams", s)
			}
			e.PlannedStreams = n
			return nil
		})},
	{name: "experiments.<id>.alpha", def: "0.05", doc: "significance level",
		set: experimentKey(func(e *Experiment, s string) error {
			a, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || a <= 0 || a >= 1 {
				return fmt.Errorf("%q must be between 0 and 1, e.g. 0.05", s)
			}
			e.Alpha = a
			return nil
		})},
	{name: "experiments.<id>.allocation", doc: "planned share of streams per variant, e.g. \"control=1, B=2\" (default: an even split); the sample-ratio check tests the arms' streams against it",
		set: experimentKey(func(e *Experiment, s string) error {
			alloc, err := parseAllocation(s)
			if err != nil {
				return err
			}
			e.Allocation = alloc
			return nil
		})},
	{name: "decision.prior_sd", def: "0.3", doc: "standard deviation of the default prior on an experiment's log lift, N(0, sd²), used while fewer than decision.prior_min_experiments earlier experiments can teach one",
		set: func(c *Config, _ string, v value) error {
			s, err := strconv.ParseFloat(strings.TrimSpace(v.text), 64)
			if err != nil || !(s > 0) || s > 10 {
				return fmt.Errorf("%q is not a standard deviation above 0 (at most 10); write ±30 %% as 0.3", v.text)
			}
			c.PriorSD = s
			return nil
		}},
	{name: "decision.prior_min_experiments", def: "5", doc: "earlier experiments (with an estimate of the metric) needed before the prior is learned from them instead of the default",
		set: intKey(func(c *Config) *int { return &c.PriorMinExperiments }, 1, "a whole number of experiments, 1 or more")},
	{name: "payouts.close_after", def: "15d", doc: "a payout period (calendar month, UTC) closes this long after its end; later reversals are clawed back in the period they are seen",
		set: durationKey(func(c *Config) *time.Duration { return &c.PayoutCloseAfter }, 0)},
	{name: "campaigns.<id>", doc: "campaigns: streams grouped, with their payout terms (campaigns.go)"},
	{name: "compliance.disclosure_phrases", def: `["#ad", "commission", "affiliate", "sponsored", "paid partnership"]`, list: true,
		doc: "words that disclose an affiliate relationship (case-insensitive, whole words); the list replaces the default",
		set: func(c *Config, _ string, v value) error { c.DisclosurePhrases = v.items; return nil }},
	{name: "compliance.disclosure_within", def: "90s", doc: "a host message or pinned note with a disclosure phrase must come this soon after the start",
		set: durationKey(func(c *Config) *time.Duration { return &c.DisclosureWithin }, time.Second)},
	{name: "compliance.min_minutes.<platform>", def: "amazon_live: 30", envID: strings.ToLower, doc: "minimum stream length in minutes per platform; 0 turns a platform's check off",
		set: func(c *Config, p string, v value) error {
			m, err := strconv.ParseFloat(strings.TrimSpace(v.text), 64)
			if err != nil || m < 0 {
				return fmt.Errorf("%q is not a number of minutes like 30 (0 turns the check off)", v.text)
			}
			c.MinMinutes[strings.ToLower(p)] = m
			return nil
		}},
	{name: "email.smtp.host", doc: "SMTP server that sends the affiliates' reports; empty: postlive run sends no e-mail",
		set: func(c *Config, _ string, v value) error { c.Email.SMTP.Host = strings.TrimSpace(v.text); return nil }},
	{name: "email.smtp.port", def: "0", doc: "SMTP port; 0: 587 for starttls, 465 for tls, 25 for none",
		set: func(c *Config, _ string, v value) error {
			p, err := strconv.Atoi(strings.TrimSpace(v.text))
			if err != nil || p < 0 || p > 65535 {
				return fmt.Errorf("%q is not a port number (1 to 65535, or 0 for the default of email.smtp.tls)", v.text)
			}
			c.Email.SMTP.Port = p
			return nil
		}},
	{name: "email.smtp.tls", def: "starttls", doc: "starttls, tls (implicit TLS) or none",
		set: oneOfKey(func(c *Config) *string { return &c.Email.SMTP.TLS }, email.TLSModes)},
	{name: "email.smtp.user", doc: "SMTP user; empty: no authentication",
		set: func(c *Config, _ string, v value) error { c.Email.SMTP.User = v.text; return nil }},
	{name: "email.smtp.password", doc: "SMTP password; prefer the environment variable POSTLIVE_EMAIL_SMTP_PASSWORD",
		set: func(c *Config, _ string, v value) error { c.Email.SMTP.Password = v.text; return nil }},
	{name: "email.smtp.auth", def: "auto", doc: "auto, plain, login, cram-md5, scram-sha-1 or scram-sha-256",
		set: oneOfKey(func(c *Config) *string { return &c.Email.SMTP.Auth }, email.AuthMechanisms)},
	{name: "email.smtp.ca_file", doc: "PEM file of extra certificate authorities to trust (a relay with a private CA); relative to the workspace",
		set: func(c *Config, _ string, v value) error { c.Email.SMTP.CAFile = strings.TrimSpace(v.text); return nil }},
	{name: "email.smtp.timeout", def: "30s", doc: "timeout for connecting and for each SMTP command",
		set: durationKey(func(c *Config) *time.Duration { return &c.Email.SMTP.Timeout }, time.Nanosecond)},
	{name: "email.from", doc: "sender of the reports, e.g. postlive <reports@example.com>",
		set: func(c *Config, _ string, v value) error {
			c.Email.From = strings.TrimSpace(v.text)
			if _, err := mail.ParseAddress(c.Email.From); c.Email.From != "" && err != nil {
				return fmt.Errorf("%q is not an e-mail address; write it like reports@example.com or postlive <reports@example.com>", c.Email.From)
			}
			return nil
		}},
	{name: "email.to.<affiliate_id>", list: true, doc: "the affiliate's address, a comma-separated string or a list of them",
		set: func(c *Config, aff string, v value) error {
			var bad []string
			for _, a := range v.items {
				if _, err := mail.ParseAddress(a); err != nil {
					bad = append(bad, fmt.Sprintf("%q is not an e-mail address; write it like ana@example.com or Ana <ana@example.com>", a))
					continue
				}
				c.Email.To[aff] = append(c.Email.To[aff], a)
			}
			if len(bad) > 0 {
				return fmt.Errorf("%s", strings.Join(bad, "; "))
			}
			return nil
		}},
	{name: "email.max_streams", def: "5", doc: "at most this many stream reports per e-mail; the others follow in the next one",
		set: intKey(func(c *Config) *int { return &c.Email.MaxStreams }, 1, "a whole number of at least 1")},
}

// primaryMetrics are the values of experiments.<id>.primary_metric.
var primaryMetrics = []string{"rpv", "cvr_click", "ctr", "aov"}

// PrimaryMetrics are the metrics an experiment's primary metric can be
// (experiments.<id>.primary_metric, postlive plan --metric).
func PrimaryMetrics() []string { return append([]string(nil), primaryMetrics...) }

// otherVariables are POSTLIVE_* variables that are not settings: the
// workspace folder, which the program reads, and those of postlive's own
// tests and build scripts, which it ignores. Any other POSTLIVE_ variable is
// a typo and stops the program.
var otherVariables = map[string]string{
	"POSTLIVE_WORKSPACE":       "the workspace folder when --workspace is not given",
	"POSTLIVE_ARTIFACTS":       "tests: where browser tests keep screenshots",
	"POSTLIVE_REQUIRE_BROWSER": "tests: fail rather than skip without Chromium",
	"POSTLIVE_TEST_WAREHOUSE":  "tests: a warehouse for the report tests",
	"POSTLIVE_TEST_REPORTS":    "tests: where report tests write",
	"POSTLIVE_ASSETS_FORCE":    "reports/assets/build.sh: rebuild the chart bundle",
}

// formatID turns the tail of a variable into a format name
// (TIKTOK_ADS → tiktok-ads).
func formatID(s string) string { return strings.ReplaceAll(strings.ToLower(s), "_", "-") }

// byteSize writes a size as postlive.yaml does: 1MiB, 512KiB, 100B.
func byteSize(n int) string {
	switch {
	case n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "MiB"
	case n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}

// parseByteSize reads a size: a number of bytes, optionally with B, KB,
// KiB, MB, MiB, GB or GiB (KB and KiB both mean 1024 bytes).
func parseByteSize(s string) (int, error) {
	s = strings.TrimSpace(s)
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') {
		i--
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	unit := map[string]int{"": 1, "b": 1, "kb": 1 << 10, "kib": 1 << 10, "mb": 1 << 20, "mib": 1 << 20, "gb": 1 << 30, "gib": 1 << 30}
	m, ok := unit[strings.ToLower(strings.TrimSpace(s[i:]))]
	if !ok || n > (1<<40)/m {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * m, nil
}

// parseDuration reads a Go duration or a number of days ("2d").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration; write it like 48h, 30s or 2d", s)
	}
	return d, nil
}

// durationKey reads a duration of at least least.
func durationKey(field func(*Config) *time.Duration, least time.Duration) func(*Config, string, value) error {
	return func(c *Config, _ string, v value) error {
		d, err := parseDuration(v.text)
		if err != nil {
			return err
		}
		if d < least {
			if least == time.Nanosecond {
				return fmt.Errorf("must be longer than 0s; write it like 30s or 24h")
			}
			return fmt.Errorf("%q is shorter than %s; write it like 90s", v.text, least)
		}
		*field(c) = d
		return nil
	}
}

// intKey reads a whole number of at least least.
func intKey(field func(*Config) *int, least int, what string) func(*Config, string, value) error {
	return func(c *Config, _ string, v value) error {
		n, err := strconv.Atoi(strings.TrimSpace(v.text))
		if err != nil || n < least {
			return fmt.Errorf("%q is not %s", v.text, what)
		}
		*field(c) = n
		return nil
	}
}

// oneOfKey reads one of the words allowed (any case).
func oneOfKey(field func(*Config) *string, allowed []string) func(*Config, string, value) error {
	return func(c *Config, _ string, v value) error {
		s := strings.ToLower(strings.TrimSpace(v.text))
		if !slices.Contains(allowed, s) {
			return fmt.Errorf("%q is not one of %s", v.text, strings.Join(allowed, ", "))
		}
		*field(c) = s
		return nil
	}
}

// experimentKey reads a setting of experiment id.
func experimentKey(set func(e *Experiment, s string) error) func(*Config, string, value) error {
	return func(c *Config, id string, v value) error {
		e := c.Experiments[id]
		err := set(&e, v.text)
		c.Experiments[id] = e
		return err
	}
}

// isoCurrency reads an ISO 4217 currency code, in any case.
func isoCurrency(s string) (string, error) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if _, err := currency.ParseISO(code); err != nil || len(code) != 3 {
		return code, fmt.Errorf("%q is not an ISO 4217 currency code like USD, EUR or GBP", s)
	}
	return code, nil
}

// IsCurrency says whether s is an ISO 4217 currency code as written in the
// marts (upper case), e.g. for a --currency flag.
func IsCurrency(s string) bool {
	code, err := isoCurrency(s)
	return err == nil && code == s
}

// Keys lists every setting by name, as docs/configuration.md does (a
// campaign's keys one by one), in the order of the key table.
func Keys() []string {
	var out []string
	for _, k := range keys {
		if k.name == "campaigns.<id>" {
			for _, ck := range campaignKeys {
				out = append(out, k.name+"."+ck)
			}
			continue
		}
		out = append(out, k.name)
	}
	return out
}

// parseAllocation reads experiments.<id>.allocation: "variant=weight" pairs
// separated by commas, each weight a positive number (any scale: 1:2 and
// 0.33/0.67 plan the same split).
func parseAllocation(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		f, err := strconv.ParseFloat(strings.TrimSpace(w), 64)
		if !ok || name == "" || err != nil || !(f > 0) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a list of variant=weight pairs with positive weights, e.g. \"control=1, B=2\"", s)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%q names variant %s twice", s, name)
		}
		out[name] = f
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("%q names fewer than two variants; write e.g. \"control=1, B=2\"", s)
	}
	return out, nil
}
