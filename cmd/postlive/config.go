package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"

	"github.com/postlive/postlive/models"
	"github.com/postlive/postlive/reports/email"
)

// config is postlive.yaml after defaults and POSTLIVE_* overrides. Every key
// is listed, with its default, in docs/configuration.md.
type config struct {
	AttributionWindow time.Duration
	DuplicateWindow   time.Duration
	StreamParam       string
	BotPatterns       []string
	Salt              string
	SaltSource        string // where the salt came from: pii.salt or .postlive/salt
	Source            string // the file read, or "defaults" without postlive.yaml
	Currency          string
	TimeZones         map[string]string
	Currencies        map[string]string
	Decimals          map[string]string
	DefaultMerchant   string
	Experiments       map[string]experimentConfig
	CommissionRates   map[string]float64 // merchant id (as written) → rate
	LeakAfter         time.Duration
	LeakMinRedeemed   int
	LeakShare         float64
	Threads           int
	MemoryLimit       string

	PayoutCloseAfter  time.Duration
	Campaigns         []models.CampaignSetting
	DisclosurePhrases []string
	DisclosureWithin  time.Duration
	MinMinutes        map[string]float64
	Email             emailConfig
}

// emailConfig is the email: section: how to reach the SMTP server, the
// sender, and the addresses of the affiliates.
type emailConfig struct {
	SMTP       email.SMTP
	From       string
	To         map[string][]string // affiliate id → addresses, as written
	MaxStreams int
}

type experimentConfig struct {
	Control        string
	PrimaryMetric  string
	PlannedStreams int
	Alpha          float64
}

// configKeys are the scalar keys of postlive.yaml with their defaults.
var configKeys = []struct {
	key, def, doc string
}{
	{"attribution.window", "48h", "orders up to this long after a stream ends count for it"},
	{"clicks.duplicate_window", "30s", "a click of the same visitor on the same link within this time of the previous counted one is a duplicate"},
	{"clicks.stream_param", "utm_content", "URL parameter that carries the stream id"},
	{"bots.patterns", "[]", "extra user-agent substrings (case-insensitive) that mark a bot, added to the built-in list"},
	{"pii.salt", "", "salt for hashing e-mails, IPs and names; empty: a random salt is created in .postlive/salt"},
	{"report.currency", "USD", "currency of reports and of streams that name none"},
	{"default_merchant", "", "merchant id for merchant exports that do not carry one (Shopify)"},
	{"reconciliation.leak_after", "24h", "a redemption this long or longer after its drop's window closed is a leak signal"},
	{"reconciliation.leak_min_redemptions", "3", "a code is flagged leaked with at least this many leak-signal redemptions"},
	{"reconciliation.leak_share", "0.1", "… and when they are at least this share of the drop's counted redemptions"},
	{"duckdb.threads", "0", "DuckDB worker threads; 0 = all cores"},
	{"duckdb.memory_limit", "", "DuckDB memory limit, e.g. 2GB; empty = DuckDB's default (80 % of RAM)"},
	{"payouts.close_after", "15d", "a payout period (calendar month, UTC) closes this long after its end; later reversals are clawed back in the period they are seen"},
	{"compliance.disclosure_phrases", "", "words that disclose an affiliate relationship (case-insensitive, whole words); default #ad, commission, affiliate, sponsored, paid partnership"},
	{"compliance.disclosure_within", "90s", "a host message or pinned note with a disclosure phrase must come this soon after the start"},
	{"email.smtp.host", "", "SMTP server that sends the affiliates' reports; empty: postlive run sends no e-mail"},
	{"email.smtp.port", "0", "SMTP port; 0: 587 for starttls, 465 for tls, 25 for none"},
	{"email.smtp.tls", "starttls", "starttls, tls (implicit TLS) or none"},
	{"email.smtp.user", "", "SMTP user; empty: no authentication"},
	{"email.smtp.password", "", "SMTP password; prefer the environment variable POSTLIVE_EMAIL_SMTP_PASSWORD"},
	{"email.smtp.auth", "auto", "auto, plain, login, cram-md5, scram-sha-1 or scram-sha-256"},
	{"email.smtp.ca_file", "", "PEM file of extra certificate authorities to trust (a relay with a private CA)"},
	{"email.smtp.timeout", "30s", "timeout for connecting and for each SMTP command"},
	{"email.from", "", "sender of the reports, e.g. postlive <reports@example.com>"},
	{"email.max_streams", "5", "at most this many stream reports per e-mail; the others follow in the next one"},
}

// configMaps are keys whose children are user-named.
var configMaps = map[string][]string{
	"time_zones":             nil, // time_zones.<format>: IANA zone for local times in that format's exports
	"currencies":             nil, // currencies.<format>: currency of exports that name none (Amazon UK)
	"decimal_separators":     nil, // decimal_separators.<format>: "," when ambiguous numbers use a decimal comma
	"experiments":            {"control", "primary_metric", "planned_streams", "alpha"},
	"compliance.min_minutes": nil, // compliance.min_minutes.<platform>: minimum stream length in minutes
	"campaigns":              campaignKeys,
	"commission_rates":       nil, // commission_rates.<merchant_id>: rate when neither drop nor stream names one
	"email.to":               nil, // email.to.<affiliate_id>: the affiliate's address, or a list of them
}

// campaignKeys are the keys of one campaign (campaigns.<id>.*).
var campaignKeys = []string{"name", "streams", "stream_prefix", "flat_fee", "bonuses", "first_n_bonus"}

// bonusKeys are the keys of one performance bonus tier (campaigns.<id>.bonuses[i]).
var bonusKeys = []string{"revenue_over", "amount"}

// loadConfig reads <workspace>/postlive.yaml (optional) and POSTLIVE_* variables.
func loadConfig(ws string) (*config, error) {
	v := viper.New()
	for _, k := range configKeys {
		if k.key == "bots.patterns" || k.key == "compliance.disclosure_phrases" {
			v.SetDefault(k.key, []string{})
		} else {
			v.SetDefault(k.key, k.def)
		}
		v.BindEnv(k.key, "POSTLIVE_"+strings.ToUpper(strings.NewReplacer(".", "_").Replace(k.key)))
	}
	path := filepath.Join(ws, "postlive.yaml")
	raw, err := os.ReadFile(path)
	var campaigns []models.CampaignSetting
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := checkConfigKeys(path, raw); err != nil {
			return nil, err
		}
		if campaigns, err = readCampaigns(path, raw); err != nil {
			return nil, err
		}
		v.SetConfigType("yaml")
		if err := v.ReadConfig(bytes.NewReader(raw)); err != nil {
			return nil, usagef("%s: %v", path, err)
		}
	}
	source := "defaults"
	if raw != nil {
		source = path
	}
	c := &config{
		Source:          source,
		StreamParam:     v.GetString("clicks.stream_param"),
		Salt:            v.GetString("pii.salt"),
		Currency:        strings.ToUpper(v.GetString("report.currency")),
		DefaultMerchant: v.GetString("default_merchant"),
		TimeZones:       map[string]string{},
		Currencies:      map[string]string{},
		Decimals:        map[string]string{},
		Experiments:     map[string]experimentConfig{},
		Threads:         v.GetInt("duckdb.threads"),
		MemoryLimit:     v.GetString("duckdb.memory_limit"),
	}
	if c.AttributionWindow, err = parseDuration(v.GetString("attribution.window")); err != nil {
		return nil, usagef("%s: attribution.window: %v", path, err)
	}
	if c.DuplicateWindow, err = parseDuration(v.GetString("clicks.duplicate_window")); err != nil {
		return nil, usagef("%s: clicks.duplicate_window: %v", path, err)
	}
	if c.PayoutCloseAfter, err = parseDuration(v.GetString("payouts.close_after")); err != nil {
		return nil, usagef("%s: payouts.close_after: %v", path, err)
	}
	if c.DisclosureWithin, err = parseDuration(v.GetString("compliance.disclosure_within")); err != nil || c.DisclosureWithin < time.Second {
		if err == nil {
			err = fmt.Errorf("%q is shorter than a second", v.GetString("compliance.disclosure_within"))
		}
		return nil, usagef("%s: compliance.disclosure_within: %v", path, err)
	}
	c.Campaigns = campaigns
	c.DisclosurePhrases = models.DefaultDisclosurePhrases
	if s, ok := os.LookupEnv("POSTLIVE_COMPLIANCE_DISCLOSURE_PHRASES"); ok {
		c.DisclosurePhrases = splitList(s)
	} else if v.InConfig("compliance.disclosure_phrases") {
		c.DisclosurePhrases = v.GetStringSlice("compliance.disclosure_phrases")
	}
	if c.DisclosurePhrases == nil {
		c.DisclosurePhrases = []string{}
	}
	c.MinMinutes = map[string]float64{}
	for p, m := range models.DefaultMinMinutes {
		c.MinMinutes[p] = m
	}
	minutes := map[string]string{}
	for p, val := range v.GetStringMapString("compliance.min_minutes") {
		minutes[p] = val
	}
	for _, kv := range os.Environ() {
		k, val, _ := strings.Cut(kv, "=")
		if p, ok := strings.CutPrefix(k, "POSTLIVE_COMPLIANCE_MIN_MINUTES_"); ok {
			minutes[strings.ToLower(p)] = val
		}
	}
	for p, val := range minutes {
		m, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || m < 0 {
			return nil, usagef("%s: compliance.min_minutes.%s: %q is not a number of minutes like 30 (0 turns the check off)", path, p, val)
		}
		c.MinMinutes[strings.ToLower(p)] = m
	}
	if c.LeakAfter, err = parseDuration(v.GetString("reconciliation.leak_after")); err != nil || c.LeakAfter <= 0 {
		if err == nil {
			err = fmt.Errorf("must be longer than 0s; write it like 24h")
		}
		return nil, usagef("%s: reconciliation.leak_after: %v", path, err)
	}
	if c.LeakMinRedeemed, err = strconv.Atoi(strings.TrimSpace(v.GetString("reconciliation.leak_min_redemptions"))); err != nil || c.LeakMinRedeemed < 1 {
		return nil, usagef("%s: reconciliation.leak_min_redemptions: %q is not a whole number of 1 or more", path, v.GetString("reconciliation.leak_min_redemptions"))
	}
	if c.LeakShare, err = strconv.ParseFloat(strings.TrimSpace(v.GetString("reconciliation.leak_share")), 64); err != nil || c.LeakShare <= 0 || c.LeakShare > 1 {
		return nil, usagef("%s: reconciliation.leak_share: %q is not a share above 0 and at most 1; write 10 %% as 0.1", path, v.GetString("reconciliation.leak_share"))
	}
	if c.CommissionRates, err = commissionRates(path, raw); err != nil {
		return nil, err
	}
	if s := os.Getenv("POSTLIVE_BOTS_PATTERNS"); s != "" {
		c.BotPatterns = strings.Split(s, ",")
	} else {
		c.BotPatterns = v.GetStringSlice("bots.patterns")
	}
	perFormat := []struct {
		key string
		dst map[string]string
	}{{"time_zones", c.TimeZones}, {"currencies", c.Currencies}, {"decimal_separators", c.Decimals}}
	for _, pf := range perFormat {
		for f, val := range v.GetStringMapString(pf.key) {
			pf.dst[f] = val
		}
		prefix := "POSTLIVE_" + strings.ToUpper(pf.key) + "_"
		for _, kv := range os.Environ() {
			k, val, _ := strings.Cut(kv, "=")
			if f, ok := strings.CutPrefix(k, prefix); ok {
				pf.dst[strings.ReplaceAll(strings.ToLower(f), "_", "-")] = val
			}
		}
	}
	for f, cur := range c.Currencies {
		cur = strings.ToUpper(strings.TrimSpace(cur))
		if len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return nil, usagef("%s: currencies.%s: %q is not an ISO 4217 code like GBP", path, f, cur)
		}
		c.Currencies[f] = cur
	}
	for f, d := range c.Decimals {
		if d != "." && d != "," {
			return nil, usagef("%s: decimal_separators.%s: %q must be \".\" or \",\"", path, f, d)
		}
	}
	for f, z := range c.TimeZones {
		if _, err := time.LoadLocation(z); err != nil {
			return nil, usagef("%s: time_zones.%s: unknown time zone %q; use an IANA name like America/New_York", path, f, z)
		}
	}
	// viper folds keys to lower case; experiment ids are matched against
	// the data as written, so take them from the YAML itself
	ids, err := yamlChildKeys(raw, "experiments")
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	for _, id := range ids {
		sub := v.Sub("experiments." + strings.ToLower(id))
		ec := experimentConfig{Alpha: 0.05, PrimaryMetric: "rpv"}
		if sub != nil {
			if s := sub.GetString("control"); s != "" {
				ec.Control = s
			}
			if s := sub.GetString("primary_metric"); s != "" {
				ec.PrimaryMetric = s
			}
			ec.PlannedStreams = sub.GetInt("planned_streams")
			if a := sub.GetFloat64("alpha"); a > 0 {
				ec.Alpha = a
			}
		}
		if ec.Alpha <= 0 || ec.Alpha >= 1 {
			return nil, usagef("%s: experiments.%s.alpha must be between 0 and 1", path, id)
		}
		switch ec.PrimaryMetric {
		case "rpv", "cvr_click", "ctr", "aov":
		default:
			return nil, usagef("%s: experiments.%s.primary_metric %q is not one of rpv, cvr_click, ctr, aov", path, id, ec.PrimaryMetric)
		}
		c.Experiments[id] = ec
	}
	if c.Email, err = loadEmailConfig(v, ws, path, raw); err != nil {
		return nil, err
	}
	if c.Salt == "" {
		if c.Salt, err = workspaceSalt(ws); err != nil {
			return nil, err
		}
		c.SaltSource = ".postlive/salt"
	} else {
		c.SaltSource = "pii.salt"
	}
	return c, nil
}

// splitList splits a comma-separated environment value, dropping empty items.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// yamlChildKeys lists the keys under the top-level key parent of a YAML
// document, in the document's order and with their case as written.
func yamlChildKeys(raw []byte, parent string) ([]string, error) {
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	n, ok := doc[parent]
	if !ok || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys, nil
}

// commissionRates reads commission_rates.<merchant_id> from the YAML text
// itself: viper folds keys to lower case, and merchant ids are case-sensitive
// (they must match the ids of the exports). The map is configured in the file
// only, like experiments, because merchant ids may hold characters an
// environment variable name cannot.
func commissionRates(path string, raw []byte) (map[string]float64, error) {
	rates := map[string]float64{}
	if len(raw) == 0 {
		return rates, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return rates, nil
	}
	top := doc.Content[0]
	var problems []string
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "commission_rates" {
			continue
		}
		m := top.Content[i+1]
		if m.Kind != yaml.MappingNode {
			if m.Tag != "!!null" {
				problems = append(problems, fmt.Sprintf("%s:%d:%d: commission_rates must map merchant ids to rates, e.g. \"glowlab: 0.10\"", path, m.Line, m.Column))
			}
			continue
		}
		for j := 0; j+1 < len(m.Content); j += 2 {
			k, val := m.Content[j], m.Content[j+1]
			r, err := strconv.ParseFloat(strings.TrimSpace(val.Value), 64)
			if val.Kind != yaml.ScalarNode || err != nil || r < 0 || r > 1 {
				problems = append(problems, fmt.Sprintf("%s:%d:%d: commission_rates.%s: %q is not a rate between 0 and 1; write 10 %% as 0.10", path, val.Line, val.Column, k.Value, val.Value))
				continue
			}
			rates[k.Value] = r
		}
	}
	if len(problems) > 0 {
		return nil, &usageError{strings.Join(problems, "\n")}
	}
	return rates, nil
}

// parseDuration accepts Go durations and days ("2d").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && n >= 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration; write it like 48h, 30s or 2d", s)
	}
	return d, nil
}

// checkConfigKeys rejects keys postlive does not know, naming key and line.
func checkConfigKeys(path string, raw []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return usagef("%s: %v", path, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	known := map[string]bool{}
	for _, k := range configKeys {
		known[k.key] = true
		parts := strings.Split(k.key, ".")
		for i := 1; i < len(parts); i++ {
			known[strings.Join(parts[:i], ".")+"."] = true
		}
	}
	var problems []string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			full := prefix + k.Value
			if full == "campaigns" {
				continue // readCampaigns checks them, with their values
			}
			if kids, ok := configMaps[full]; ok {
				if val.Kind == yaml.MappingNode && kids != nil {
					for j := 0; j+1 < len(val.Content); j += 2 {
						walkChildren(val.Content[j+1], full+"."+val.Content[j].Value, kids, path, &problems)
					}
				}
				continue
			}
			switch {
			case known[full]:
			case known[full+"."]:
				walk(val, full+".")
			default:
				problems = append(problems, fmt.Sprintf("%s:%d:%d: unknown key %q; see docs/configuration.md for the keys", path, k.Line, k.Column, full))
			}
		}
	}
	walk(doc.Content[0], "")
	if len(problems) > 0 {
		sort.Strings(problems)
		return &usageError{strings.Join(problems, "\n")}
	}
	return nil
}

func walkChildren(n *yaml.Node, prefix string, allowed []string, path string, problems *[]string) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ok := false
		for _, a := range allowed {
			ok = ok || a == k.Value
		}
		if !ok {
			*problems = append(*problems, fmt.Sprintf("%s:%d:%d: unknown key %q; an experiment takes %s", path, k.Line, k.Column, prefix+"."+k.Value, strings.Join(allowed, ", ")))
		}
	}
}

// workspaceSalt returns the workspace's random salt, creating it once.
func workspaceSalt(ws string) (string, error) {
	p := filepath.Join(ws, ".postlive", "salt")
	if b, err := os.ReadFile(p); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	s := hex.EncodeToString(buf)
	// Every visitor and customer key depends on the salt: it is synced
	// before it is used, and renamed into place whole.
	if err := writeFileAtomic(p, func(f *os.File) error {
		if err := f.Chmod(0o600); err != nil {
			return err
		}
		_, err := f.WriteString(s + "\n")
		return err
	}); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	return s, nil
}

// loadEmailConfig reads the email: section. Addresses are read from the YAML
// itself (viper would lower-case the affiliate ids) so a bad one is reported
// with its line and column.
func loadEmailConfig(v *viper.Viper, ws, path string, raw []byte) (emailConfig, error) {
	ec := emailConfig{
		SMTP: email.SMTP{
			Host: strings.TrimSpace(v.GetString("email.smtp.host")), TLS: strings.ToLower(strings.TrimSpace(v.GetString("email.smtp.tls"))),
			User: v.GetString("email.smtp.user"), Password: v.GetString("email.smtp.password"),
			Auth: strings.ToLower(strings.TrimSpace(v.GetString("email.smtp.auth"))), CAFile: v.GetString("email.smtp.ca_file"),
		},
		From: strings.TrimSpace(v.GetString("email.from")),
		To:   map[string][]string{},
	}
	var err error
	if ec.SMTP.Port, err = strconv.Atoi(strings.TrimSpace(v.GetString("email.smtp.port"))); err != nil || ec.SMTP.Port < 0 || ec.SMTP.Port > 65535 {
		return ec, usagef("%s: email.smtp.port: %q is not a port number (1 to 65535, or 0 for the default of email.smtp.tls)", path, v.GetString("email.smtp.port"))
	}
	if ec.MaxStreams, err = strconv.Atoi(strings.TrimSpace(v.GetString("email.max_streams"))); err != nil || ec.MaxStreams < 1 {
		return ec, usagef("%s: email.max_streams: %q is not a whole number of at least 1", path, v.GetString("email.max_streams"))
	}
	if ec.SMTP.Timeout, err = parseDuration(v.GetString("email.smtp.timeout")); err != nil || ec.SMTP.Timeout == 0 {
		return ec, usagef("%s: email.smtp.timeout: %q is not a positive duration; write it like 30s or 2m", path, v.GetString("email.smtp.timeout"))
	}
	if !slices.Contains(email.TLSModes, ec.SMTP.TLS) {
		return ec, usagef("%s: email.smtp.tls: %q is not one of %s", path, ec.SMTP.TLS, strings.Join(email.TLSModes, ", "))
	}
	if !slices.Contains(email.AuthMechanisms, ec.SMTP.Auth) {
		return ec, usagef("%s: email.smtp.auth: %q is not one of %s", path, ec.SMTP.Auth, strings.Join(email.AuthMechanisms, ", "))
	}
	if ec.SMTP.User == "" && ec.SMTP.Password != "" {
		return ec, usagef("%s: email.smtp.password is set but email.smtp.user is not; set the user too", path)
	}
	if ec.SMTP.CAFile != "" && !filepath.IsAbs(ec.SMTP.CAFile) {
		ec.SMTP.CAFile = filepath.Join(ws, ec.SMTP.CAFile)
	}
	if ec.From != "" {
		if _, err := mail.ParseAddress(ec.From); err != nil {
			return ec, usagef("%s: email.from: %q is not an e-mail address; write it like reports@example.com or postlive <reports@example.com>", path, ec.From)
		}
	}
	if len(raw) == 0 {
		return ec, nil
	}
	var doc struct {
		Email struct {
			To map[string]yaml.Node `yaml:"to"`
		} `yaml:"email"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return ec, usagef("%s: email: %v", path, err)
	}
	var problems []string
	for aff, n := range doc.Email.To {
		var list []string
		switch n.Kind {
		case yaml.ScalarNode:
			list = strings.Split(n.Value, ",")
		case yaml.SequenceNode:
			for _, item := range n.Content {
				list = append(list, item.Value)
			}
		default:
			problems = append(problems, fmt.Sprintf("%s:%d:%d: email.to.%s: write an address or a list of addresses", path, n.Line, n.Column, aff))
			continue
		}
		for _, a := range list {
			a = strings.TrimSpace(a)
			if a == "" {
				continue
			}
			if _, err := mail.ParseAddress(a); err != nil {
				problems = append(problems, fmt.Sprintf("%s:%d:%d: email.to.%s: %q is not an e-mail address; write it like ana@example.com or Ana <ana@example.com>", path, n.Line, n.Column, aff, a))
				continue
			}
			ec.To[aff] = append(ec.To[aff], a)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return ec, &usageError{strings.Join(problems, "\n")}
	}
	return ec, nil
}
