package email

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func ids(b Batch) string {
	var out []string
	for _, it := range b.Items {
		out = append(out, it.Stream.ID+":"+it.Status)
	}
	return strings.Join(out, " ")
}

// TestPendingAndSentLog follows ana and ben through a few nights: everything
// is new, then nothing is due, then a late order changes s2's report and only
// s2 is due again, as an update; --resend and --mark-sent and the bounds.
func TestPendingAndSentLog(t *testing.T) {
	db := newWarehouse(t, testStreams)
	streams := loadStreams(t, db)
	opt := testOptions()
	path := filepath.Join(t.TempDir(), ".postlive", "sent-log.jsonl")
	log, err := OpenSentLog(path)
	if err != nil {
		t.Fatal(err)
	}

	batches, _, upToDate, _ := Pending(streams.All(), log, opt)
	if len(batches) != 2 || ids(batches[0]) != "s2:new s1:new" || ids(batches[1]) != "s3:new" || upToDate != 0 {
		t.Fatalf("first night: %v / %v, %d up to date", ids(batches[0]), ids(batches[1]), upToDate)
	}
	for _, b := range batches {
		m, err := Compose(b, streams, opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := log.Record(m, testNow); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sent-log: %v, mode %v; want 0600", err, fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Read back from disk: nothing is due.
	log, err = OpenSentLog(path)
	if err != nil || log.Len() != 3 {
		t.Fatalf("reopened log: %v, %d entries; want 3", err, log.Len())
	}
	if batches, _, upToDate, _ = Pending(streams.All(), log, opt); len(batches) != 0 || upToDate != 3 {
		t.Fatalf("second night: %d batches, %d up to date; want none due, 3 up to date", len(batches), upToDate)
	}

	// A stream added before s2 changes s2's comparison ("median of 2 earlier")
	// but not its own numbers: not due. The new stream s0 is.
	early := append([]testStream{{"s0", "ana", "Ana Ruiz", "Warm-up", "2026-10-28T19:00:00Z", 20, 400, 20, 2, 80, 0, false}}, testStreams...)
	db2 := newWarehouse(t, early)
	streams2 := loadStreams(t, db2)
	if tile := streamByID(t, streams2, "s2").Tiles[0]; !strings.Contains(tile.Change, "median of 2 earlier") {
		t.Fatalf("s2's viewers tile after s0: %+v; want a comparison with 2 streams", tile)
	}
	if a, b := Fingerprint(streamByID(t, streams, "s2")), Fingerprint(streamByID(t, streams2, "s2")); a != b {
		t.Error("s2's fingerprint changed with the comparison against an earlier stream")
	}
	batches, _, upToDate, _ = Pending(streams2.All(), log, opt)
	if len(batches) != 1 || ids(batches[0]) != "s0:new" || upToDate != 3 {
		t.Fatalf("after s0 arrived: %+v, %d up to date; want only s0 (new)", batches, upToDate)
	}

	// A late order: s2's revenue 900 → 950, orders 15 → 16. Its report changed:
	// due again as an update, first sent on the night recorded above.
	mustExec(t, db, "update stream_kpis set revenue = 950, orders = 16, aov = 950.0/16, rpv = 950.0/1500 where stream_id = 's2'")
	buildBaselines(t, db)
	streams = loadStreams(t, db)
	batches, _, upToDate, _ = Pending(streams.All(), log, opt)
	if len(batches) != 1 || ids(batches[0]) != "s2:updated" || upToDate != 2 {
		t.Fatalf("after the late order: %+v, %d up to date; want s2 updated", batches, upToDate)
	}
	if !batches[0].Items[0].FirstSent.Equal(testNow) {
		t.Errorf("FirstSent = %v; want %v", batches[0].Items[0].FirstSent, testNow)
	}
	m, err := Compose(batches[0], streams, opt)
	if err != nil {
		t.Fatal(err)
	}
	_, root := parseMIME(t, m.Raw)
	text := string(root.Children[0].Children[0].Children[0].Body)
	// Revenue $950.00 against s1's $500.00, one earlier stream: too few to judge.
	for _, w := range []string{"UPDATED: this report was first sent on 21 Nov 2026", "Revenue      $950.00      median of 1 earlier: $500.00 (3 needed to judge)"} {
		if !strings.Contains(text, w) {
			t.Errorf("update text lacks %q", w)
		}
	}
	if m.Subject != "Updated: stream report for "+xssTitle+" (5 Nov 2026)" {
		t.Errorf("subject = %q", m.Subject)
	}

	// --resend: s1, unchanged, comes along; --affiliate limits; MaxStreams defers.
	opt.Resend, opt.Affiliates = true, []string{"ana"}
	batches, _, _, _ = Pending(streams.All(), log, opt)
	if len(batches) != 1 || ids(batches[0]) != "s2:updated s1:resent" {
		t.Fatalf("--resend --affiliate ana: %+v", batches)
	}
	opt.MaxStreams = 1
	batches, _, _, _ = Pending(streams.All(), log, opt)
	if ids(batches[0]) != "s2:updated" || batches[0].Deferred != 1 {
		t.Fatalf("MaxStreams 1: %v, %d deferred; want s2 now and 1 deferred", ids(batches[0]), batches[0].Deferred)
	}

	// --mark-sent records without sending; a marked report that changes is new
	// to the affiliate, who never got it.
	fresh, _ := OpenSentLog(filepath.Join(t.TempDir(), "sent-log.jsonl"))
	opt = testOptions()
	batches, _, _, _ = Pending(streams.All(), fresh, opt)
	for _, b := range batches {
		if err := fresh.RecordBatch(b, testNow); err != nil {
			t.Fatal(err)
		}
	}
	if batches, _, _, _ = Pending(streams.All(), fresh, opt); len(batches) != 0 {
		t.Fatalf("after --mark-sent: %+v; want nothing due", batches)
	}
	mustExec(t, db, "update stream_kpis set revenue = 990 where stream_id = 's2'")
	batches, _, _, _ = Pending(loadStreams(t, db).All(), fresh, opt)
	if len(batches) != 1 || ids(batches[0]) != "s2:new" || !batches[0].Items[0].FirstSent.IsZero() {
		t.Fatalf("a changed report that was only marked: %+v; want s2 as new", batches)
	}
}

// TestSentLogErrors: a damaged line names the file and line, and nothing is
// guessed.
func TestSentLogErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sent-log.jsonl")
	good := `{"sent_at":"2026-11-21T03:00:00Z","affiliate_id":"ana","stream_id":"s1","fingerprint":"ab","status":"new","message_id":"<x@y>"}`
	for _, tc := range []struct{ content, want string }{
		{good + "\n{\"sent_at\": \"2026-11-21T03:00:00Z\", \"affiliate_id\": \"ana\"\n", path + ":2:1: not a sent-log entry"},
		{good + "\n\n" + `{"affiliate_id":"ana","stream_id":"s2"}` + "\n", path + ":3:1: not a sent-log entry (missing affiliate_id, stream_id or fingerprint)"},
		{`{"affiliate_id":"ana","stream_id":"s2","fingerprint":"x","to":"ana@example.com"}`, path + `:1:1: not a sent-log entry (json: unknown field "to")`},
	} {
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := OpenSentLog(path)
		var le *LogError
		if !errors.As(err, &le) || !strings.HasPrefix(err.Error(), tc.want) || !strings.Contains(err.Error(), "repair or delete the line") {
			t.Errorf("OpenSentLog(%q) = %v; want %q…", tc.content, err, tc.want)
		}
	}
	os.WriteFile(path, []byte(good+"\n"), 0o600)
	l, err := OpenSentLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := l.Last("ana", "s1"); !ok || e.Fingerprint != "ab" || !e.SentAt.Equal(time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("Last = %+v, %v", e, ok)
	}
}

// TestPendingSkipsStreamsWithNothingYet: a planned stream whose exports have
// not arrived (no viewers, clicks, orders or minutes) is not sent, and is
// counted; once its numbers arrive it is due.
func TestPendingSkipsStreamsWithNothingYet(t *testing.T) {
	planned := testStream{"s9", "ana", "Ana Ruiz", "Next week's drop", "2026-11-19T19:00:00Z", 30, 0, 0, 0, 0, 0, false}
	db := newWarehouse(t, append(append([]testStream{}, testStreams...), planned))
	batches, _, _, empty := Pending(loadStreams(t, db).All(), newLog(t), testOptions())
	if empty != 1 || len(batches) == 0 || strings.Contains(ids(batches[0]), "s9") {
		t.Fatalf("Pending with a stream that has nothing yet: empty %d, ana's batch %q; want s9 counted, not sent", empty, ids(batches[0]))
	}
	planned.viewers, planned.clicks = 300, 12
	db = newWarehouse(t, append(append([]testStream{}, testStreams...), planned))
	batches, _, _, empty = Pending(loadStreams(t, db).All(), newLog(t), testOptions())
	if empty != 0 || !strings.Contains(ids(batches[0]), "s9:new") {
		t.Errorf("once its numbers arrive: empty %d, ana's batch %q; want s9 due", empty, ids(batches[0]))
	}
}
