package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/postlive/postlive/models"
)

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
	c, err := loadConfig(ws)
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
	if c, err = loadConfig(ws); err != nil {
		t.Fatal(err)
	}
	if c.PayoutCloseAfter != 0 || !reflect.DeepEqual(c.DisclosurePhrases, []string{"anzeige", "#ad"}) || c.MinMinutes["amazon_live"] != 0 {
		t.Errorf("env overrides: close_after %v, phrases %q, min minutes %v", c.PayoutCloseAfter, c.DisclosurePhrases, c.MinMinutes)
	}
}

func TestConfigDefaultsOfPayoutsAndCompliance(t *testing.T) {
	c, err := loadConfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.PayoutCloseAfter != 15*24*time.Hour || c.DisclosureWithin != 90*time.Second || len(c.Campaigns) != 0 {
		t.Errorf("defaults: close_after %v, disclosure_within %v, campaigns %v", c.PayoutCloseAfter, c.DisclosureWithin, c.Campaigns)
	}
	if !reflect.DeepEqual(c.DisclosurePhrases, models.DefaultDisclosurePhrases) || !reflect.DeepEqual(c.MinMinutes, map[string]float64{"amazon_live": 30}) {
		t.Errorf("defaults: phrases %q, min minutes %v", c.DisclosurePhrases, c.MinMinutes)
	}
}

// TestConfigCampaignProblems: every problem of a campaign is reported with
// the line and column of the value to fix, all at once, with exit status 2.
func TestConfigCampaignProblems(t *testing.T) {
	ws := t.TempDir()
	path := filepath.Join(ws, "postlive.yaml")
	writeFile(t, path, `campaigns:
  a:
    streams: [s1, s2]
    flat_fee: $150
    bonus: 3
    bonuses:
      - {revenue_over: 1000}
      - {revenue_over: 500, amount: 1.234}
      - {revenue_over: 700, amount: 10, cap: 5}
  b:
    streams: s1
    stream_prefix: s-
  c:
    streams: [s2]
    stream_prefix: s-
compliance:
  min_minutes:
    tiktok: half an hour
`)
	code, _, errOut := postlive(t, "-w", ws, "build")
	if code != exitUsage {
		t.Fatalf("build exited %d; want 2:\n%s", code, errOut)
	}
	for _, want := range []string{
		path + `:4:15: campaigns.a.flat_fee: "$150" is not an amount; write it like 150.00`,
		path + `:5:5: unknown key "campaigns.a.bonus"; a campaign takes name, streams, stream_prefix, flat_fee, bonuses, first_n_bonus`,
		path + `:7:9: campaigns.a.bonuses[0] needs both revenue_over and amount`,
		path + `:8:37: campaigns.a.bonuses[1].amount: "1.234" is not an amount`,
		path + `:9:41: unknown key "campaigns.a.bonuses[2].cap"; a bonus tier takes revenue_over, amount`,
		path + `:11:14: campaigns.b.streams is not a list`,
		path + `:14:15: stream s2 is listed in campaigns a (line 3) and c; a stream belongs to one campaign`,
		path + `:15:20: campaigns.c.stream_prefix "s-" is also the stream_prefix of campaign b`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("build output lacks\n  %s\ngot:\n%s", want, errOut)
		}
	}

	writeFile(t, path, "compliance:\n  min_minutes:\n    tiktok: half an hour\n")
	if code, _, errOut := postlive(t, "-w", ws, "build"); code != exitUsage || !strings.Contains(errOut, `compliance.min_minutes.tiktok: "half an hour" is not a number of minutes`) {
		t.Errorf("bad min_minutes = %d %q", code, errOut)
	}
	writeFile(t, path, "compliance:\n  disclosure_within: soon\n")
	if code, _, errOut := postlive(t, "-w", ws, "build"); code != exitUsage || !strings.Contains(errOut, "compliance.disclosure_within") {
		t.Errorf("bad disclosure_within = %d %q", code, errOut)
	}
	writeFile(t, path, "payouts:\n  close_after: -1d\n  closes: 3\n")
	if code, _, errOut := postlive(t, "-w", ws, "build"); code != exitUsage || !strings.Contains(errOut, `:3:3: unknown key "payouts.closes"`) {
		t.Errorf("unknown payouts key = %d %q", code, errOut)
	}
}
