package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// upcomingPlan is a stream plan for December: ana and ben most evenings,
// chloe four times; one title starts like a spreadsheet formula.
func upcomingPlan() string {
	var b strings.Builder
	b.WriteString("stream_id,affiliate_id,started_at,ended_at,merchant_id,platform,title,timezone,currency\n")
	for d := 1; d <= 9; d++ {
		for _, h := range []struct{ host, zone, off, platform string }{
			{"ana", "America/New_York", "-05:00", "tiktok"}, {"ben", "America/Chicago", "-06:00", "youtube"},
		} {
			fmt.Fprintf(&b, "dec-%02d-%s,%s,2026-12-%02dT19:00:00%s,2026-12-%02dT19:45:00%s,glowlab,%s,Evening live,%s,USD\n",
				d, h.host, h.host, d, h.off, d, h.off, h.platform, h.zone)
		}
	}
	for _, d := range []int{2, 4, 5, 6} {
		fmt.Fprintf(&b, "dec-%02d-chloe,chloe,2026-12-%02dT18:00:00-08:00,2026-12-%02dT18:30:00-08:00,kitchenly,instagram,\"=HYPERLINK(\"\"http://x\"\")\",America/Los_Angeles,USD\n", d, d, d)
	}
	return b.String()
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestPlanEndToEnd plans an experiment in a demo workspace, writes the
// stream plan, imports it with the deviations a real month brings, builds,
// and reads the plan and its deviations back from postlive experiments; then
// edits the plan by hand and sees it flagged.
func TestPlanEndToEnd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := postlive(t, "demo", "--out", dir); code != 0 {
		t.Fatalf("demo exited %d: %s%s", code, out, errs)
	}
	in := writeFile(t, filepath.Join(t.TempDir(), "december.csv"), upcomingPlan())
	out := filepath.Join(t.TempDir(), "december-planned.csv")
	args := []string{"--workspace", dir, "plan", "--streams", in, "--experiment", "exp-dec", "--variants", "20off,30off",
		"--tested-variable", "offer_amount", "--seed", "3", "--write-plan", out}
	code, stdout, errs := postlive(t, args...)
	if code != 0 {
		t.Fatalf("plan exited %d: %s", code, errs)
	}
	for _, want := range []string{
		"exp-dec (offer_amount): 30off against control 20off; primary metric RPV, α = 0.05, minimum effect +10 %",
		"22 streams in 6 blocks (host × weekday), allocation 1:1: 20off 11, 30off 11",
		"balance: best of 100 seeded candidates (seed 3",
		"dec-05-ana", "ana · weekend",
		"streams needed to detect +10 % RPV at α = 0.05 with 80 % power: ",
		"analysed as the test will be (randomisation_log_ratio_host_blocked, A/A splits)",
		"registered " + filepath.Join(dir, "plans", "exp-dec.json"),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, stdout)
		}
	}

	// the written stream plan: every stream with the experiment and its
	// variant, the formula neutralised
	rows := readCSV(t, out)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	variant := map[string]string{}
	for _, r := range rows[1:] {
		if r[col["experiment_id"]] != "exp-dec" || r[col["tested_variable"]] != "offer_amount" {
			t.Errorf("row %v not planned", r)
		}
		variant[r[col["stream_id"]]] = r[col["variant"]]
		if strings.HasPrefix(r[col["title"]], "=") {
			t.Errorf("title %q: a formula reaches the spreadsheet", r[col["title"]])
		}
	}
	if len(variant) != 22 {
		t.Fatalf("%d planned rows; want 22", len(variant))
	}

	// the same plan again: refused; --format csv prints the schedule
	code, _, errs = postlive(t, args...)
	if code != 2 || !strings.Contains(errs, "already planned; pass --replace") {
		t.Errorf("planning again exited %d: %s", code, errs)
	}
	code, stdout, errs = postlive(t, append(args, "--format", "csv", "--dry-run")...)
	if code != 0 || !strings.HasPrefix(stdout, "stream_id,host,started_at,timezone,weekday,daypart,block,variant\n") ||
		strings.Count(stdout, "\n") != 23 {
		t.Errorf("--format csv exited %d: %s%s", code, stdout, errs)
	}

	// before any planned stream ran: the plan is listed, without results
	if code, _, errs := postlive(t, "--workspace", dir, "build"); code != 0 {
		t.Fatalf("build exited %d: %s", code, errs)
	}
	code, stdout, errs = postlive(t, "--workspace", dir, "experiments", "--experiment", "exp-dec")
	if code != 0 || !strings.Contains(stdout, "exp-dec: planned; no result yet") || !strings.Contains(stdout, "  plan: registered ") {
		t.Errorf("experiments before the streams ran exited %d: %s%s", code, stdout, errs)
	}

	// what ran: dec-01-ana swapped its variant, dec-02-ben never ran, an
	// extra stream joined, the rest as planned (with viewers)
	other := map[string]string{"20off": "30off", "30off": "20off"}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(append(rows[0], "unique_viewers"))
	for _, r := range rows[1:] {
		id := r[col["stream_id"]]
		switch id {
		case "dec-02-ben":
			continue
		case "dec-01-ana":
			r[col["variant"]] = other[r[col["variant"]]]
		}
		_ = w.Write(append(r, "500"))
	}
	_ = w.Write([]string{"dec-10-ben", "ben", "2026-12-10T19:00:00-06:00", "2026-12-10T19:45:00-06:00", "kitchenly", "youtube", "Bonus",
		"America/Chicago", "USD", "exp-dec", "30off", "offer_amount", "400"})
	w.Flush()
	ran := writeFile(t, filepath.Join(t.TempDir(), "december-ran.csv"), b.String())
	if code, _, errs := postlive(t, "--workspace", dir, "import", "streams", ran); code != 0 {
		t.Fatalf("import exited %d: %s", code, errs)
	}
	if code, _, errs := postlive(t, "--workspace", dir, "build"); code != 0 {
		t.Fatalf("build exited %d: %s", code, errs)
	}
	code, stdout, errs = postlive(t, "--workspace", dir, "experiments", "--experiment", "exp-dec")
	if code != 0 {
		t.Fatalf("experiments exited %d: %s", code, errs)
	}
	for _, want := range []string{
		"  plan: registered 2026-11-21 03:00 UTC (plans/exp-dec.json, sha256 ",
		"22 streams randomised within host × weekday, seed 3; analysed by intention to treat within the plan's blocks",
		"  deviation extra dec-10-ben: not in the plan, ran 30off; left out of the analysis (it was not randomised)",
		"  deviation missing dec-02-ben: planned " + variant["dec-02-ben"] + " for 2026-12-03 01:00 UTC; it is not in the imported stream plan",
		"  deviation other_variant dec-01-ana: planned " + variant["dec-01-ana"] + ", ran " + other[variant["dec-01-ana"]] +
			"; analysed as " + variant["dec-01-ana"] + " (intention to treat)",
		"plan adherence: 20 of 22 planned streams ran as planned or are still to come, 1 ran with another variant",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("experiments lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "EDITED") {
		t.Errorf("an unedited plan is flagged:\n%s", stdout)
	}

	// the experiment page: plan vs what ran, below the verdict, above the chart
	if code, _, errs := postlive(t, "--workspace", dir, "report"); code != 0 {
		t.Fatalf("report exited %d: %s", code, errs)
	}
	page, err := os.ReadFile(filepath.Join(dir, "reports", "experiment-exp-dec.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{
		`<h2 id="plan">Plan vs what ran</h2>`,
		"22 streams (20off 11, 30off 11) assigned at random within host × weekday, seed 3; primary metric",
		"<td>dec-02-ben</td><td>missing</td>",
		"<td>dec-01-ana</td><td>ran another variant</td>",
		"<td>dec-10-ben</td><td>extra (not in the plan)</td>",
		"analysed with its planned one (intention to treat)",
		// one warning, not cut at its commas
		"Warning: plan adherence: 20 of 22 planned streams ran as planned or are still to come, 1 ran with another variant (analysed with the planned one: intention to treat), 1 missing (left out), 1 extra not in the plan (left out)</p>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("experiment page lacks %q", want)
		}
	}
	if i, j := strings.Index(html, `id="plan"`), strings.Index(html, `id="lift"`); i < 0 || j < i {
		t.Errorf("plan section at %d, lift chart at %d; want the plan first", i, j)
	}
	if strings.Contains(html, "edited after registration") {
		t.Error("the page flags an unedited plan")
	}
	// 2 arms and 3 deviations, as a reader sees them
	checkPlanPageInBrowser(t, filepath.Join(dir, "reports", "experiment-exp-dec.html"), 5,
		"Plan vs what ran", "dec-02-ben", "intention to treat")

	// a hand edit of the plan after registration
	path := filepath.Join(dir, "plans", "exp-dec.json")
	raw, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.Replace(raw, []byte(`"min_effect": 0.1`), []byte(`"min_effect": 0.3`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := postlive(t, "--workspace", dir, "build"); code != 0 {
		t.Fatalf("build exited %d: %s", code, errs)
	}
	_, stdout, _ = postlive(t, "--workspace", dir, "experiments", "--experiment", "exp-dec")
	for _, want := range []string{"PLAN EDITED AFTER REGISTRATION", "plan edited after registration: plans/exp-dec.json no longer has the SHA-256"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("after the edit, experiments lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, errs := postlive(t, "--workspace", dir, "report"); code != 0 {
		t.Fatalf("report exited %d: %s", code, errs)
	}
	page, _ = os.ReadFile(filepath.Join(dir, "reports", "experiment-exp-dec.html"))
	if !strings.Contains(string(page), "The plan was edited after registration: plans/exp-dec.json no longer has the SHA-256") {
		t.Error("the experiment page does not flag the edited plan")
	}
}

// TestPlanHostsWithoutHistory plans from --hosts and --dates in a workspace
// that was never built: 2:1 within host × daypart, the schedule as JSON, and
// the streams needed from the stated assumption.
func TestPlanHostsWithoutHistory(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--workspace", dir, "plan", "--experiment", "exp-cta", "--variants", "link-in-bio,tap-the-cart",
		"--hosts", "ana,ben", "--dates", "2026-12-01..2026-12-09", "--start", "12:30", "--timezone", "Europe/Berlin",
		"--allocation", "2:1", "--block", "host,daypart", "--seed", "9"}
	code, out, errs := postlive(t, append(args, "--format", "json", "--dry-run")...)
	if code != 0 {
		t.Fatalf("plan exited %d: %s", code, errs)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	perArm := map[string]int{}
	for _, r := range rows {
		perArm[r["variant"].(string)]++
		if r["daypart"] != "afternoon" || !strings.HasSuffix(r["block"].(string), " · afternoon") {
			t.Errorf("row %v: 12:30 in Berlin is the afternoon block", r)
		}
	}
	if len(rows) != 18 || perArm["link-in-bio"] != 12 || perArm["tap-the-cart"] != 6 {
		t.Errorf("%d rows, per arm %v; want 18 split 12:6", len(rows), perArm)
	}
	if _, err := os.Stat(filepath.Join(dir, "plans")); !os.IsNotExist(err) {
		t.Errorf("--dry-run recorded a plan (%v)", err)
	}

	code, out, errs = postlive(t, args...)
	if code != 0 {
		t.Fatalf("plan exited %d: %s", code, errs)
	}
	for _, want := range []string{
		"18 streams in 2 blocks (host × daypart), allocation 2:1: link-in-bio 12, tap-the-cart 6",
		"no earlier streams of these hosts in the warehouse: assuming a per-stream spread of 50 %",
		"streams needed to detect +10 % RPV at α = 0.05 with 80 % power: link-in-bio ",
		"registered " + filepath.Join(dir, "plans", "exp-cta.json"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
}

// TestPlanNotesStreamsInThePast: a stream that starts before now is
// planned, with a note (the clock is SOURCE_DATE_EPOCH, 2026-11-21 03:00 UTC).
func TestPlanNotesStreamsInThePast(t *testing.T) {
	code, out, errs := postlive(t, "--workspace", t.TempDir(), "plan", "--experiment", "e", "--variants", "a,b",
		"--hosts", "ana,ben", "--dates", "2026-11-20..2026-11-22", "--start", "12:30", "--timezone", "Europe/Berlin", "--dry-run")
	if code != 0 || !strings.Contains(out, "note: 2 of the 6 streams start before now (2026-11-21 03:00 UTC)") {
		t.Errorf("plan exited %d: %s%s; want the note", code, out, errs)
	}
}

// TestPlanBadInput: each mistake is exit 2 with what to do.
func TestPlanBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, filepath.Join(dir, "bad.csv"),
		"stream_id,affiliate_id,started_at,timezone\ns1,ana,2026-12-01T19:00:00Z,UTC\ns2,ana,tomorrow,UTC\ns3,,2026-12-03T19:00:00Z,Mars/Olympus\n")
	base := []string{"--workspace", dir, "plan", "--experiment", "e", "--variants", "a,b"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--workspace", dir, "plan", "--variants", "a,b", "--hosts", "ana", "--dates", "2026-12-01"}, "--experiment is required"},
		{append(base, "--hosts", "ana"), "--hosts needs --dates"},
		{append(base, "--hosts", "ana", "--dates", "2026-12-01", "--allocation", "1:2:3"), "--allocation \"1:2:3\" has 3 parts for 2 variants"},
		{append(base, "--hosts", "ana", "--dates", "2026-12-01", "--block", "host,moon"), "\"moon\" is not one of host, weekday, daypart"},
		{append(base, "--hosts", "ana", "--dates", "1 December"), "write dates like 2026-12-01"},
		{append(base, "--hosts", "ana", "--dates", "2026-12-01", "--metric", "gmv"), "--metric \"gmv\" is not one of rpv, cvr_click, ctr, aov"},
		{append(base, "--streams", bad), bad + ":3:8: started_at: \"tomorrow\" is not a time"},
		{append(base, "--streams", bad), bad + ":4:4: affiliate_id: empty"},
	} {
		code, _, errs := postlive(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("plan %v exited %d: %s; want 2 and %q", tc.args[2:], code, errs, tc.want)
		}
	}
}
