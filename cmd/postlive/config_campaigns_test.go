package main

import (
	"path/filepath"
	"strings"
	"testing"
)

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
