package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// smallInbox writes a workspace whose inbox holds one stream plan with a
// bad row, and a salt that must never show up in any output.
func smallInbox(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), "pii:\n  salt: sekret-salt-4711\n")
	writeFile(t, filepath.Join(ws, "inbox", "streams", "plan.csv"),
		"stream_id,affiliate_id,started_at,ended_at\n"+
			"s1,a1,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\n"+
			"s2,a1,05/11/2026 19:00,2026-11-05T19:30:00Z\n")
	return ws
}

func TestJSONLogsOneObjectPerLine(t *testing.T) {
	ws := smallInbox(t)
	code, out, errOut := postlive(t, "-w", ws, "--log-format", "json", "--log-level", "debug", "run")
	if code != 0 {
		t.Fatalf("run exited %d:\n%s\n%s", code, out, errOut)
	}
	// stdout is the product's output, as without JSON logs
	if !strings.Contains(out, "inbox/streams/plan.csv: 2 read, 1 accepted, 1 rejected") || !strings.Contains(out, "run summary: 1 files imported") {
		t.Errorf("stdout changed with JSON logs:\n%s", out)
	}
	byMsg := map[string]map[string]any{}
	for i, line := range strings.Split(strings.TrimRight(errOut, "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("stderr line %d is not JSON: %v\n%q", i+1, err, line)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("stderr line %d lacks %q: %s", i+1, k, line)
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, rec["time"].(string)); err != nil {
			t.Errorf("time %v is not RFC 3339: %v", rec["time"], err)
		}
		if _, seen := byMsg[rec["msg"].(string)]; !seen {
			byMsg[rec["msg"].(string)] = rec
		}
	}
	want := map[string][]string{
		"workspace opened": {"dir", "config", "salt_from"},
		"file imported":    {"file", "kind", "format", "read", "accepted", "rejected", "took"},
		"row rejected":     {"file", "line", "column", "field", "problem"},
		"model built":      {"model", "layer", "took"},
		"data test run":    {"test", "failures", "took"},
		"warehouse built":  {"models", "marts", "tests_passed", "tests_failed", "took"},
		"reports written":  {"dir", "files", "took"},
		"run finished":     {"imported", "already_imported", "accepted", "rejected", "tests_failed", "reports", "took"},
	}
	for msg, keys := range want {
		rec, ok := byMsg[msg]
		if !ok {
			t.Errorf("no %q record in:\n%s", msg, errOut)
			continue
		}
		for _, k := range keys {
			if _, ok := rec[k]; !ok {
				t.Errorf("%q record lacks %q: %v", msg, k, rec)
			}
		}
	}
	if rec := byMsg["file imported"]; rec != nil {
		// 2 rows read: s1 accepted, s2 rejected (ambiguous date)
		if rec["file"] != "inbox/streams/plan.csv" || rec["read"] != 2.0 || rec["accepted"] != 1.0 || rec["rejected"] != 1.0 || rec["level"] != "INFO" {
			t.Errorf("file imported = %v", rec)
		}
		if took, ok := rec["took"].(float64); !ok || took < 0 || took > 60 {
			t.Errorf("took = %v; want seconds as a number", rec["took"])
		}
	}
	if rec := byMsg["row rejected"]; rec != nil {
		if rec["line"] != 3.0 || rec["column"] != 3.0 || rec["level"] != "WARN" ||
			!strings.HasPrefix(rec["problem"].(string), `inbox/streams/plan.csv:3:3: "started_at": "05/11/2026 19:00" is ambiguous`) {
			t.Errorf("row rejected = %v", rec)
		}
	}
	if rec := byMsg["workspace opened"]; rec != nil && (rec["salt_from"] != "pii.salt" || rec["config"] != filepath.Join(ws, "postlive.yaml")) {
		t.Errorf("workspace opened = %v", rec)
	}
	if strings.Contains(out+errOut, "sekret-salt-4711") {
		t.Error("the salt was written to the output")
	}
	if strings.ContainsAny(errOut, "\x1b\r") {
		t.Errorf("escape codes or a progress bar in JSON logs: %q", errOut)
	}
}

func TestJSONLogsOnFailure(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "postlive.yaml"), "attribution:\n  windw: 48h\n")
	code, _, errOut := postlive(t, "-w", ws, "--log-format", "json", "build")
	if code != exitUsage {
		t.Fatalf("build with a bad key exited %d; want 2", code)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(errOut)), &rec); err != nil {
		t.Fatalf("the error is not one JSON line: %v\n%s", err, errOut)
	}
	if rec["level"] != "ERROR" || rec["msg"] != "failed" || rec["exit_status"] != 2.0 ||
		!strings.Contains(rec["error"].(string), `unknown key "attribution.windw"`) {
		t.Errorf("failure record = %v", rec)
	}
	// a bad flag is reported the same way, though cobra stops before the logger is set up
	code, _, errOut = postlive(t, "-w", ws, "--log-format", "json", "build", "--bogus")
	if code != exitUsage || !json.Valid([]byte(strings.TrimSpace(errOut))) {
		t.Errorf("unknown flag with JSON logs = %d %q", code, errOut)
	}
}

func TestTextLogs(t *testing.T) {
	ws := smallInbox(t)
	code, out, errOut := postlive(t, "-w", ws, "run")
	if code != 0 {
		t.Fatalf("run exited %d:\n%s\n%s", code, out, errOut)
	}
	record := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) (DEBUG|INFO |WARN |ERROR) \S`)
	var records, plain int
	for _, line := range strings.Split(strings.TrimRight(errOut, "\n"), "\n") {
		if record.MatchString(line) {
			records++
			if strings.Contains(line, "DEBUG") {
				t.Errorf("a debug record at the default level: %s", line)
			}
			continue
		}
		plain++
		// the reject stays a plain line, as users read it today
		if !strings.HasPrefix(line, "inbox/streams/plan.csv:3:3: ") {
			t.Errorf("unexpected stderr line: %q", line)
		}
	}
	if plain != 1 || records < 4 {
		t.Errorf("stderr has %d records and %d plain lines; want ≥ 4 and 1:\n%s", records, plain, errOut)
	}
	for _, want := range []string{" INFO  file imported file=inbox/streams/plan.csv kind=streams format=generic read=2 accepted=1 rejected=1 took=", " INFO  warehouse built models=", " INFO  reports written dir=", " INFO  run finished imported=1 "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("text logs lack %q:\n%s", want, errOut)
		}
	}
	if strings.ContainsAny(errOut, "\x1b\r") || strings.Contains(out+errOut, "sekret-salt-4711") {
		t.Errorf("escape codes, a progress bar or the salt on a non-terminal: %q", errOut)
	}
	if code, _, errOut := postlive(t, "-w", ws, "--log-level", "chatty", "build"); code != exitUsage || !strings.Contains(errOut, `--log-level "chatty" is not one of debug, info, warn, error`) {
		t.Errorf("bad --log-level = %d %q", code, errOut)
	}
	if code, _, errOut := postlive(t, "-w", ws, "--log-format", "xml", "build"); code != exitUsage || !strings.Contains(errOut, `--log-format "xml" is not one of text, json`) {
		t.Errorf("bad --log-format = %d %q", code, errOut)
	}
}

func TestTextHandlerFormat(t *testing.T) {
	var b bytes.Buffer
	l, err := newLogger(&b, logOptions{format: "text", level: "debug"}, true)
	if err != nil {
		t.Fatal(err)
	}
	l = l.With("run", 7).WithGroup("db")
	l.Debug("model built", "model", "stream kpis", "took", 1234567*time.Microsecond, "rows", 15,
		"email.smtp.password", "hunter2", "pii.salt", "s4lt", "api_token", "t0k", "empty", "", slog.Group("cfg", "window", 48*time.Hour))
	got := b.String()
	// time of day on a terminal, then level, message and attributes; the
	// group prefixes the record's keys (not the earlier With); durations
	// rounded to the millisecond; secrets redacted; odd values quoted
	want := ` DEBUG model built run=7 db.model="stream kpis" db.took=1.235s db.rows=15 db.email.smtp.password=[redacted] db.pii.salt=[redacted] db.api_token=[redacted] db.empty="" db.cfg.window=48h0m0s` + "\n"
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d `).MatchString(got) || got[8:] != want {
		t.Errorf("text record =\n%q\nwant hh:mm:ss +\n%q", got, want)
	}
	b.Reset()
	l, _ = newLogger(&b, logOptions{format: "text", level: "warn"}, false)
	l.Info("quiet")
	l.Warn("loud")
	if strings.Contains(b.String(), "quiet") || !strings.Contains(b.String(), " WARN  loud") {
		t.Errorf("level warn wrote %q", b.String())
	}
}

func TestJSONHandlerRedactsAndUsesSeconds(t *testing.T) {
	var b bytes.Buffer
	l, err := newLogger(&b, logOptions{format: "json"}, false)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("sent", "email.smtp.password", "hunter2", "salt", "s4lt", "took", 1500*time.Millisecond, "file", "a.csv")
	var rec map[string]any
	if err := json.Unmarshal(b.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["email.smtp.password"] != "[redacted]" || rec["salt"] != "[redacted]" || rec["took"] != 1.5 || rec["file"] != "a.csv" || rec["msg"] != "sent" {
		t.Errorf("json record = %v", rec)
	}
	if strings.Contains(b.String(), "hunter2") || strings.Contains(b.String(), "s4lt") {
		t.Errorf("a secret was logged: %s", b.String())
	}
}

func TestLockWaitsThenTakesIt(t *testing.T) {
	ws := planWorkspace(t) // build needs something imported
	holder, err := (&env{workspace: ws, now: time.Now, log: slog.New(slog.DiscardHandler), command: "postlive run"}).openWorkspace(true, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(ws, ".postlive", "lock"))
	if !regexp.MustCompile(`^pid \d+ on \S+ since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(postlive run\)\n$`).Match(b) {
		t.Errorf("lock record = %q", b)
	}
	code, _, errOut := postlive(t, "-w", ws, "build", "--wait", "300ms")
	if code != exitLockHeld || !strings.Contains(errOut, "holds the workspace lock (pid ") || !strings.Contains(errOut, "(postlive run)); wait for it, or pass --wait") {
		t.Fatalf("build --wait 300ms while locked = %d %q; want exit 4 naming the holder", code, errOut)
	}
	go func() {
		time.Sleep(700 * time.Millisecond)
		holder.close()
	}()
	start := time.Now()
	code, _, errOut = postlive(t, "-w", ws, "build", "--wait", "1m")
	if code != 0 {
		t.Fatalf("build --wait 1m = %d %s", code, errOut)
	}
	if waited := time.Since(start); waited < 600*time.Millisecond {
		t.Errorf("build did not wait for the lock (%v)", waited)
	}
	for _, want := range []string{"WARN  waiting for the workspace lock holder=\"pid ", "INFO  workspace lock taken waited="} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "took over") {
		t.Errorf("a lock released properly was reported as stale:\n%s", errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(ws, ".postlive", "lock")); len(b) != 0 {
		t.Errorf("the lock record was not cleared on exit: %q", b)
	}
}

func TestStaleLockIsTakenOver(t *testing.T) {
	// What a killed process leaves: its record in the lock file, no flock
	// (the kernel dropped it). The crash test kills real processes.
	ws := planWorkspace(t) // build needs something imported
	stale := "pid 4242 on nightly-1 since 2026-11-20T03:15:00Z (postlive run)"
	writeFile(t, filepath.Join(ws, ".postlive", "lock"), stale+"\n")
	code, _, errOut := postlive(t, "-w", ws, "--log-format", "json", "build")
	if code != 0 {
		t.Fatalf("build over a stale lock = %d %s", code, errOut)
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "took over the workspace lock of a process that ended without releasing it" {
			found = rec["previous_holder"] == stale && rec["level"] == "WARN"
		}
	}
	if !found {
		t.Errorf("no warning naming the dead holder:\n%s", errOut)
	}
}

func TestInterruptedFilesAreCleaned(t *testing.T) {
	// What a killed run leaves outside the lake (the crash test produces
	// them for real): a new warehouse with its WAL and spill folder, a
	// half-written report, a temporary run state.
	ws := planWorkspace(t) // build needs something imported
	left := []string{
		"warehouse.duckdb.tmp-31337", "warehouse.duckdb.tmp-31337.wal", "warehouse.duckdb.tmp-31337.tmp/spill.block",
		"reports/.tmp-stream-s1.html-123456", ".postlive/.run-state.json.tmp-31337",
	}
	for _, f := range left {
		writeFile(t, filepath.Join(ws, f), "partial")
	}
	writeFile(t, filepath.Join(ws, "reports", ".tmp-notes.txt"), "a user's file that only looks temporary")
	if code, _, errOut := postlive(t, "-w", ws, "build"); code != 0 {
		t.Fatalf("build = %d %s", code, errOut)
	}
	for _, f := range left {
		if _, err := os.Stat(filepath.Join(ws, f)); err == nil {
			t.Errorf("%s was not removed", f)
		}
	}
	if _, err := os.Stat(filepath.Join(ws, "warehouse.duckdb.tmp-31337.tmp")); err == nil {
		t.Error("the spill folder was not removed")
	}
	if _, err := os.Stat(filepath.Join(ws, "reports", ".tmp-notes.txt")); err != nil {
		t.Error("a file postlive did not write was removed")
	}
}
