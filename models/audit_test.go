package models_test

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/postlive/postlive/models"
)

func auditFiles() []importSpec {
	d := filepath.Join("testdata", "audit")
	return []importSpec{
		{filepath.Join(d, "streams.csv"), "streams", ""},
		{filepath.Join(d, "drops.csv"), "drops", ""},
		{filepath.Join(d, "chat.csv"), "chat", ""},
		{filepath.Join(d, "orders.csv"), "orders", ""},
	}
}

// TestFollowerTiersByHand checks the tier boundaries (nano < 10k, micro
// 10k–100k, macro 100k–1M, celebrity ≥ 1M) on stream_kpis and affiliates, and
// the tier dimension of experiment_balance (models/testdata/audit).
func TestFollowerTiersByHand(t *testing.T) {
	w := newTestWorkspace(t)
	w.importFiles(auditFiles()...)
	res, db := w.build(models.Settings{})
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	k := byKey(rows(t, db, "select stream_id, followers, follower_tier from stream_kpis"), "stream_id")
	for id, want := range map[string]string{
		"C1": "nano",      // 9,999
		"C2": "micro",     // 10,000
		"C3": "micro",     // 99,999
		"C4": "macro",     // 100,000
		"C5": "macro",     // 999,999
		"C6": "celebrity", // 1,000,000
		"N1": "NULL",      // no follower count
	} {
		if got := k[id]["follower_tier"]; got != want {
			t.Errorf("stream_kpis %s (followers %s) follower_tier = %s; want %s", id, k[id]["followers"], got, want)
		}
	}
	a := byKey(rows(t, db, "select * from affiliates"), "affiliate_id")
	if len(a) != 8 {
		t.Errorf("affiliates has %d rows; want 8", len(a))
	}
	check(t, "t-nano", a["t-nano"], map[string]string{"followers": "9999", "tier": "nano", "streams": "1"})
	check(t, "t-micro-lo", a["t-micro-lo"], map[string]string{"followers": "10000", "tier": "micro"})
	check(t, "t-micro-hi", a["t-micro-hi"], map[string]string{"followers": "99999", "tier": "micro"})
	check(t, "t-macro-lo", a["t-macro-lo"], map[string]string{"followers": "100000", "tier": "macro"})
	check(t, "t-macro-hi", a["t-macro-hi"], map[string]string{"followers": "999999", "tier": "macro"})
	check(t, "t-celeb", a["t-celeb"], map[string]string{"followers": "1000000", "tier": "celebrity", "tier_order": "4"})
	// multi: TikTok 120,000 on 11-01, then 5,000 on 11-08 (the latest TikTok
	// count wins); YouTube 20,000 on 11-09. Largest latest audience: YouTube
	// 20,000 → micro, not macro from the stale 120,000.
	check(t, "multi", a["multi"], map[string]string{
		"followers": "20000", "followers_platform": "youtube", "followers_at": "2026-11-09T18:00:00Z",
		"tier": "micro", "streams": "3", "platforms": "tiktok, youtube",
	})
	check(t, "no-followers", a["no-followers"], map[string]string{"followers": "NULL", "tier": "NULL", "streams": "1"})

	// exp-tier: variant a = C4, C5 (both macro); b = C1 (nano), C2 (micro).
	// Share of macro streams: a 2/2 = 1, b 0/2 = 0 → imbalance 1 ≥ 0.5: warn.
	bal := byKey(rows(t, db, "select * from experiment_balance where experiment_id = 'exp-tier'"), "dimension")
	check(t, "exp-tier tier balance", bal["tier"], map[string]string{
		"imbalance":          "1",
		"arms":               "a: macro hosts 2 | b: micro hosts 1, nano hosts 1",
		"warning":            "all a streams were hosted by macro hosts, no b stream did",
		"is_tested_variable": "false",
	})
}

// TestStreamComplianceByHand checks each compliance check passing and
// failing on models/testdata/audit (times are offsets from started_at).
func TestStreamComplianceByHand(t *testing.T) {
	w := newTestWorkspace(t)
	w.importFiles(auditFiles()...)
	res, db := w.build(models.Settings{})
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("data tests failed: %+v", f)
	}
	all := rows(t, db, "select * from stream_compliance")
	if len(all) != 30 { // 10 streams × 3 checks
		t.Fatalf("stream_compliance has %d rows; want 30", len(all))
	}
	got := map[string]map[string]string{}
	for _, r := range all {
		got[r["stream_id"]+"/"+r["check_name"]] = r
	}
	for _, c := range []struct {
		key, status, passed, detail, observed string
	}{
		// C1: viewer's "#ad lol" at 0:10 does not count; host's "#ad … commission" at 89 s does.
		{"C1/disclosure", "pass", "true", `host at 1:29 ("#ad"): This live is #ad — I earn commission on every order`, "89"},
		// C2: a viewer's "#ad" before the start (is_host false), the host's
		// "welcome" (no phrase) and "#adorable" (not the word #ad) do not
		// count; the host's "#ad" at 91 s is too late.
		{"C2/disclosure", "fail", "false", `host at 1:31 ("#ad"), later than 1:30: #ad I earn a commission on these`, "91"},
		// C3: a pinned note (by a moderator) at 1:00; "Paid   partnership" matches
		// "paid partnership" across the run of spaces.
		{"C3/disclosure", "pass", "true", `pinned note at 1:00 ("paid partnership"): Paid   partnership with m1`, "60"},
		// C4: a comment flagged is_host at exactly 90 s passes (≤ 90 s), in
		// capitals; the viewer's "commission" at 0:40 does not count.
		{"C4/disclosure", "pass", "true", `host at 1:30 ("commission"): Yes, I earn a COMMISSION on these`, "90"},
		{"C5/disclosure", "not_checked", "NULL", "no chat was imported for this stream", "NULL"},
		{"C6/disclosure", "not_checked", "NULL", "none of the 2 chat messages is marked as the host's (is_host, kind host) or pinned", "NULL"},

		// amazon_live guidance 30 min: C1 30 min passes (≥), C2 29 min fails.
		{"C1/min_length", "pass", "true", "ran 30 min; the amazon_live guidance is at least 30 min", "30"},
		{"C2/min_length", "fail", "false", "ran 29 min; the amazon_live guidance is at least 30 min", "29"},
		{"C3/min_length", "not_checked", "NULL", "no minimum length is set for tiktok", "20"},

		// D1 (GLOWX 18:05–18:15): a1 18:04 before, a2 18:06 in, a3 18:20
		// after, a4 18:25 refunded in full (void: not counted) → 2 outside.
		{"C1/drop_window", "info", "NULL", "2 redemptions outside the announced window (information, not a breach): GLOWX: 1 before, 1 after the window", "2"},
		// D2 (CODE2): a5 in the window.
		{"C2/drop_window", "pass", "true", "every redemption of its drops came inside the announced window", "0"},
		{"C3/drop_window", "not_checked", "NULL", "the stream has no drops", "NULL"},
	} {
		r, ok := got[c.key]
		if !ok {
			t.Errorf("stream_compliance has no row %s", c.key)
			continue
		}
		check(t, c.key, r, map[string]string{"status": c.status, "passed": c.passed, "detail": c.detail, "observed": c.observed})
	}
	check(t, "C1/disclosure", got["C1/disclosure"], map[string]string{"observed_at": "2026-11-02T18:01:29Z", "threshold": "90"})

	// Configured phrases and minimums replace the defaults: with only
	// "sponsored" C1 has no disclosure; with youtube ≥ 25 min C4 (20 min) fails
	// and amazon_live is no longer checked.
	_, db = w.build(models.Settings{DisclosurePhrases: []string{"sponsored"}, MinMinutes: map[string]float64{"youtube": 25}})
	got = map[string]map[string]string{}
	for _, r := range rows(t, db, "select * from stream_compliance") {
		got[r["stream_id"]+"/"+r["check_name"]] = r
	}
	check(t, "C1/disclosure (sponsored only)", got["C1/disclosure"], map[string]string{"status": "fail", "detail": "no host message or pinned note says sponsored"})
	check(t, "C4/min_length (youtube 25)", got["C4/min_length"], map[string]string{"status": "fail", "detail": "ran 20 min; the youtube guidance is at least 25 min"})
	check(t, "C1/min_length (youtube 25)", got["C1/min_length"], map[string]string{"status": "not_checked"})
}

// TestPhrasePattern checks the whole-word rule of disclosure phrases.
func TestPhrasePattern(t *testing.T) {
	for _, c := range []struct {
		phrase, text string
		want         bool
	}{
		{"#ad", "#ad", true},
		{"#ad", "Sale! #AD, link below", true},
		{"#ad", "deal#ad", true}, // begins with '#': no boundary needed before it
		{"#ad", "#adorable", false},
		{"commission", "I earn a commission.", true},
		{"commission", "commissioned art", false},
		{"commission", "COMMISSION", true},
		{"paid partnership", "paid\tpartnership", true},
		{"paid partnership", "unpaid partnership", false},
		{"a.b", "axb", false}, // regexp characters are literal
		{"sponsored", "sponsoredby", false},
	} {
		re := regexp.MustCompile(models.PhrasePattern(c.phrase))
		if got := re.MatchString(c.text); got != c.want {
			t.Errorf("PhrasePattern(%q) on %q = %v; want %v (pattern %s)", c.phrase, c.text, got, c.want, models.PhrasePattern(c.phrase))
		}
	}
}
