package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/postlive/postlive/fixtures"
	"github.com/postlive/postlive/models"
)

var (
	long   = flag.Bool("long", false, "run 500 crash trials instead of 50")
	trials = flag.Int("trials", 0, "number of crash trials (0: 50, or 500 with -long)")
	seed   = flag.Int64("seed", 20261121, "seed of the random kill times")
	keep   = flag.Bool("keep", false, "keep the workspaces of failed trials (their folder is logged)")
)

// sourceDateEpoch fixes the time stamped on imports, and so on reports:
// a recovered run must write the very bytes of an uninterrupted one.
const sourceDateEpoch = "1795230000" // 2026-11-21T03:00:00Z

// inbox is a subset of fixtures/sample, small enough for a whole run to
// take about two seconds on a quiet machine, large enough that every mart
// has rows and every report kind is written. night is when the file
// arrives in the second scenario.
var inbox = []struct {
	sample, path string
	night        int
}{
	{"streams.csv", "inbox/streams/streams.csv", 1},
	{"drops.csv", "inbox/drops/drops.csv", 1},
	{"links.csv", "inbox/links/links.csv", 1},
	{"orders-shopify-glowlab.csv", "inbox/orders/glowlab/orders-shopify-glowlab.csv", 1},
	{"stream_metrics.csv", "inbox/stream_metrics/stream_metrics.csv", 2},
	{"clicks.csv", "inbox/clicks/clicks.csv", 2},
}

// config fixes the salt (each trial is a fresh workspace; a random salt
// would give other visitor keys than the reference's).
const config = `pii:
  salt: crash-test-salt
experiments:
  exp-offer-depth:
    control: 20off
    planned_streams: 12
`

// The phases of a run, as its JSON log shows them.
const (
	phaseImport   = "import"        // until the last "file imported"
	phaseBuild    = "build"         // until "warehouse built"
	phaseReport   = "report"        // until "reports written"
	phaseFinish   = "after reports" // run state, summary
	phaseFinished = "not killed"    // the run ended before the kill
)

var targets = []string{phaseImport, phaseBuild, phaseReport}

// scenario is the workspace a killed run starts from.
type scenario struct {
	name     string
	template string // copied for each trial
	imports  int    // files the run imports
	ref      *snapshot
	dur      map[string]time.Duration // of the phases in the reference run
}

func TestKillRunAtRandomMoments(t *testing.T) {
	n := *trials
	switch {
	case n > 0:
	case *long:
		n = 500
	default:
		n = 50
	}
	bin := buildPostlive(t)
	root := t.TempDir()
	if *keep {
		var err error
		if root, err = os.MkdirTemp("", "postlive-crashtest-"); err != nil {
			t.Fatal(err)
		}
	}
	db, err := models.Open(context.Background(), "", "", 1, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Two starting points: the first night (an empty workspace, every file
	// new), and a later night (a workspace with the lake, warehouse, reports
	// and run state of a finished night-1 run, and two new files): there the
	// crash hits files that are being replaced.
	first := filepath.Join(root, "template-first-night")
	newWorkspace(t, first, 1, 2)
	later := filepath.Join(root, "template-later-night")
	newWorkspace(t, later, 1)
	night1 := start(t, bin, later)
	night1.wait()
	if !night1.exitedOK() {
		t.Fatalf("night 1 failed: %v\n%s", night1.err, night1.stderrText())
	}
	newWorkspace(t, later, 2)
	scenarios := []*scenario{
		{name: "first night", template: first, imports: len(inbox)},
		{name: "later night", template: later, imports: countNight(2)},
	}
	for _, sc := range scenarios {
		sc.measure(t, db, bin, filepath.Join(root, "reference-"+strings.ReplaceAll(sc.name, " ", "-")))
	}

	rng := rand.New(rand.NewSource(*seed))
	reached := map[string]int{}
	leftTemp, tookOver, failures := 0, 0, 0
	started := time.Now()
	for i := 0; i < n; i++ {
		// Stratified: the scenarios alternate, each phase gets a third of
		// the kills, at a random fraction of its reference length after it
		// begins (a little past its end too, to hit the hand-over to the
		// next phase).
		sc := scenarios[i%len(scenarios)]
		target := targets[(i/len(scenarios))%len(targets)]
		delay := time.Duration(rng.Float64() * 1.1 * float64(sc.dur[target]))
		dir := filepath.Join(root, fmt.Sprintf("trial-%03d", i))
		tr := trial{t: t, db: db, bin: bin, dir: dir, sc: sc, target: target, delay: delay}
		problems := tr.run()
		reached[tr.reached]++
		if tr.leftTemp {
			leftTemp++
		}
		if tr.tookOver {
			tookOver++
		}
		if len(problems) > 0 {
			failures++
			t.Errorf("trial %d, %s (kill %v into the %s phase; reached %s; workspace %s):\n  %s", i, sc.name, delay.Round(time.Millisecond), target, tr.reached, dir, strings.Join(problems, "\n  "))
			if failures == 3 {
				t.Fatal("stopping after 3 failed trials (-keep keeps their workspaces)")
			}
			continue
		}
		os.RemoveAll(dir)
	}
	t.Logf("%d trials in %v: killed in %s; %d left temporary files (all cleaned by the next run); %d left a lock taken over by the next run",
		n, time.Since(started).Round(time.Second), fmtCounts(reached), leftTemp, tookOver)
	if n >= 30 {
		for _, ph := range targets {
			if reached[ph] == 0 {
				t.Errorf("no trial was killed in the %s phase (%s); the kill times do not cover the run", ph, fmtCounts(reached))
			}
		}
		if leftTemp == 0 {
			t.Error("no trial left a temporary file: the cleanup of the next run was not exercised")
		}
	}
}

// measure runs the scenario once without interruption: the reference
// result and the length of each phase.
func (sc *scenario) measure(t *testing.T, db *sql.DB, bin, dir string) {
	t.Helper()
	copyTree(t, sc.template, dir)
	p := start(t, bin, dir)
	p.wait()
	if !p.exitedOK() {
		t.Fatalf("%s: reference run failed: %v\nstdout:\n%s\nstderr:\n%s", sc.name, p.err, p.stdout.String(), p.stderrText())
	}
	sc.ref = snapshotOf(t, db, dir)
	importEnd, ok1 := p.at(func(rs []record) bool { return count(rs, "file imported") == sc.imports })
	buildEnd, ok2 := p.at(func(rs []record) bool { return count(rs, "warehouse built") == 1 })
	reportEnd, ok3 := p.at(func(rs []record) bool { return count(rs, "reports written") == 1 })
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("%s: the reference run's log lacks a phase record (want %d × file imported, warehouse built, reports written):\n%s", sc.name, sc.imports, p.stderrText())
	}
	sc.dur = map[string]time.Duration{
		phaseImport: importEnd,
		phaseBuild:  buildEnd - importEnd,
		phaseReport: reportEnd - buildEnd,
	}
	t.Logf("%s: reference run: import %v, build %v, report %v, total %v; %d marts, %d lake files, %d report files",
		sc.name, sc.dur[phaseImport].Round(time.Millisecond), sc.dur[phaseBuild].Round(time.Millisecond), sc.dur[phaseReport].Round(time.Millisecond),
		p.took.Round(time.Millisecond), len(sc.ref.marts), len(sc.ref.lake), len(sc.ref.reports))
	if len(sc.ref.marts) < 7 || len(sc.ref.reports) < 10 {
		t.Fatalf("%s: reference run wrote %d marts and %d report files; the fixture is too small to test anything", sc.name, len(sc.ref.marts), len(sc.ref.reports))
	}
}

func countNight(night int) int {
	n := 0
	for _, f := range inbox {
		if f.night == night {
			n++
		}
	}
	return n
}

// trial is one kill and the recovery after it.
type trial struct {
	t      *testing.T
	db     *sql.DB
	bin    string
	dir    string
	sc     *scenario
	target string
	delay  time.Duration

	reached  string // the phase the killed run was in
	leftTemp bool   // the crash left temporary files
	tookOver bool   // the next run took over the dead process's lock
}

func (tr *trial) run() (problems []string) {
	t := tr.t
	copyTree(t, tr.sc.template, tr.dir)
	p := start(t, tr.bin, tr.dir)

	// Wait for the phase to begin, then for the delay, then SIGKILL.
	if tr.target != phaseImport {
		begun := func(rs []record) bool { return count(rs, "file imported") == tr.sc.imports }
		if tr.target == phaseReport {
			begun = func(rs []record) bool { return count(rs, "warehouse built") == 1 }
		}
		p.waitUntil(begun)
		time.Sleep(tr.delay)
	} else {
		time.Sleep(time.Until(p.started.Add(tr.delay)))
	}
	p.kill()
	p.wait()
	tr.reached = phaseOf(p.records(), tr.sc.imports)
	if !p.killed() {
		tr.reached = phaseFinished
		if !p.exitedOK() {
			return []string{fmt.Sprintf("the run ended by itself but failed: %v\n%s", p.err, p.stderrText())}
		}
	}

	// (a) What the crash left must be readable, or hidden and temporary.
	problems = append(problems, visibleState(tr.db, tr.dir)...)
	temps := tempFiles(tr.dir)
	tr.leftTemp = len(temps) > 0
	holder, _ := os.ReadFile(filepath.Join(tr.dir, ".postlive", "lock"))

	// (b) The next run succeeds, taking over the lock of the dead process.
	q := start(t, tr.bin, tr.dir)
	q.wait()
	if !q.exitedOK() {
		return append(problems, fmt.Sprintf("the run after the crash failed: %v\nstdout:\n%s\nstderr:\n%s", q.err, q.stdout.String(), q.stderrText()))
	}
	if len(q.bad) > 0 {
		problems = append(problems, fmt.Sprintf("log lines that are not JSON: %q", q.bad))
	}
	if h := strings.TrimSpace(string(holder)); h != "" {
		tr.tookOver = true
		rec, ok := q.find("took over the workspace lock of a process that ended without releasing it")
		if !ok || rec.raw["previous_holder"] != h {
			problems = append(problems, fmt.Sprintf("the lock held by %q was not reported as taken over:\n%s", h, q.stderrText()))
		}
	}
	if left := tempFiles(tr.dir); len(left) > 0 {
		problems = append(problems, fmt.Sprintf("temporary files left after the next run: %v (after the crash: %v)", left, temps))
	}

	// (c) Its marts, lake and reports equal the uninterrupted run's.
	got := snapshotOf(t, tr.db, tr.dir)
	problems = append(problems, tr.sc.ref.diff(got)...)

	// (d) And a run after that has nothing to do and changes no byte.
	before := treeHashes(t, tr.dir)
	r := start(t, tr.bin, tr.dir)
	r.wait()
	if !r.exitedOK() || !strings.Contains(r.stdout.String(), "nothing new") {
		problems = append(problems, fmt.Sprintf("the third run was not a no-op: %v\n%s%s", r.err, r.stdout.String(), r.stderrText()))
	} else if after := treeHashes(t, tr.dir); !equalMaps(before, after) {
		problems = append(problems, fmt.Sprintf("the no-op run changed files: %v", changed(before, after)))
	}
	return problems
}

// phaseOf names the phase a run had reached, from the records it logged.
func phaseOf(rs []record, imports int) string {
	switch {
	case count(rs, "reports written") > 0:
		return phaseFinish
	case count(rs, "warehouse built") > 0:
		return phaseReport
	case count(rs, "file imported") == imports:
		return phaseBuild
	}
	return phaseImport
}

// visibleState lists what a reader could see half-written: every Parquet
// file of the lake must read, the warehouse (if any) must open with its
// marts, every report must be whole, the run state must parse.
func visibleState(db *sql.DB, dir string) []string {
	var problems []string
	filepath.WalkDir(filepath.Join(dir, "lake"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") || !strings.HasSuffix(d.Name(), ".parquet") {
			return err
		}
		var n int64
		if err := db.QueryRow("select count(*) from read_parquet(?)", p).Scan(&n); err != nil {
			problems = append(problems, fmt.Sprintf("%s does not read: %v", rel(dir, p), err))
		}
		return nil
	})
	if wh := filepath.Join(dir, "warehouse.duckdb"); exists(wh) {
		w, err := models.Open(context.Background(), wh, dir, 1, "", true)
		if err != nil {
			problems = append(problems, fmt.Sprintf("warehouse.duckdb does not open: %v", err))
		} else {
			for _, m := range []string{"stream_kpis", "stream_minute", "drop_performance", "coupon_reconciliation", "experiment_results"} {
				var n int64
				if err := w.QueryRow("select count(*) from " + m).Scan(&n); err != nil {
					problems = append(problems, fmt.Sprintf("warehouse.duckdb: %s: %v", m, err))
				}
			}
			w.Close()
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "reports"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "reports", e.Name()))
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case strings.HasSuffix(e.Name(), ".html") && !bytes.HasSuffix(bytes.TrimSpace(b), []byte("</html>")):
			problems = append(problems, fmt.Sprintf("reports/%s is cut short (%d bytes, no </html>)", e.Name(), len(b)))
		case strings.HasSuffix(e.Name(), ".csv"):
			if _, err := csv.NewReader(bytes.NewReader(b)).ReadAll(); err != nil || len(b) == 0 {
				problems = append(problems, fmt.Sprintf("reports/%s is not whole CSV: %v", e.Name(), err))
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, ".postlive", "run-state.json")); err == nil && !json.Valid(b) {
		problems = append(problems, fmt.Sprintf(".postlive/run-state.json is not JSON: %q", b))
	}
	return problems
}

// tempFiles lists files anywhere in the workspace whose names mark them as
// temporary (postlive's are .<name>.tmp-<pid>, <warehouse>.tmp-<pid>,
// .tmp-<report>-<random>).
func tempFiles(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp") {
			out = append(out, rel(dir, p))
			if d.IsDir() {
				return fs.SkipDir
			}
		}
		return err
	})
	return out
}

// snapshot is what a finished run produced.
type snapshot struct {
	marts   map[string][]string // mart file → its rows, ordered by all columns
	lake    map[string]string   // lake file (marts aside) → sha256
	reports map[string]string   // report file → sha256
}

func snapshotOf(t *testing.T, db *sql.DB, dir string) *snapshot {
	t.Helper()
	s := &snapshot{marts: map[string][]string{}, lake: map[string]string{}, reports: map[string]string{}}
	for p, h := range treeHashes(t, filepath.Join(dir, "lake")) {
		if strings.HasPrefix(p, "marts/") {
			s.marts[p] = martRows(t, db, filepath.Join(dir, "lake", p))
		} else {
			s.lake[p] = h
		}
	}
	s.reports = treeHashes(t, filepath.Join(dir, "reports"))
	return s
}

func martRows(t *testing.T, db *sql.DB, path string) []string {
	t.Helper()
	rows, err := db.Query("select * from read_parquet(?) order by all", path)
	if err != nil {
		t.Fatalf("read mart %s: %v", path, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := []string{strings.Join(cols, "|")}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = models.FormatValue(v)
			if v == nil {
				cells[i] = "NULL"
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// diff lists how got differs from the reference s.
func (s *snapshot) diff(got *snapshot) []string {
	var out []string
	for _, name := range unionKeys(s.marts, got.marts) {
		want, have := s.marts[name], got.marts[name]
		switch {
		case want == nil:
			out = append(out, "lake/"+name+" was not written by the reference run")
		case have == nil:
			out = append(out, "lake/"+name+" is missing")
		case strings.Join(want, "\n") != strings.Join(have, "\n"):
			out = append(out, fmt.Sprintf("lake/%s differs from the reference: %d rows, want %d; first difference: %s", name, len(have)-1, len(want)-1, firstDiff(want, have)))
		}
	}
	for _, k := range changed(s.lake, got.lake) {
		out = append(out, "lake/"+k+" differs from the reference (missing, extra or other bytes)")
	}
	for _, k := range changed(s.reports, got.reports) {
		out = append(out, "reports/"+k+" differs from the reference (missing, extra or other bytes)")
	}
	return out
}

func firstDiff(want, have []string) string {
	for i := 0; i < len(want) || i < len(have); i++ {
		var w, h string
		if i < len(want) {
			w = want[i]
		}
		if i < len(have) {
			h = have[i]
		}
		if w != h {
			return fmt.Sprintf("row %d is %q, want %q", i, h, w)
		}
	}
	return "none"
}

// treeHashes maps every file under dir (relative, slash-separated) to its sha256.
func treeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel(dir, p)] = fmt.Sprintf("%x", sha256.Sum256(b))
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func changed(a, b map[string]string) []string {
	var out []string
	for _, k := range unionKeys(a, b) {
		va, oka := a[k]
		vb, okb := b[k]
		if oka != okb || va != vb {
			out = append(out, k)
		}
	}
	return out
}

func equalMaps(a, b map[string]string) bool { return len(changed(a, b)) == 0 }

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func fmtCounts(m map[string]int) string {
	var parts []string
	for _, ph := range []string{phaseImport, phaseBuild, phaseReport, phaseFinish, phaseFinished} {
		parts = append(parts, fmt.Sprintf("%s %d", ph, m[ph]))
	}
	return strings.Join(parts, ", ")
}

func rel(base, p string) string {
	r, err := filepath.Rel(base, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// buildPostlive builds the binary once for the test.
func buildPostlive(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "postlive")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/postlive/postlive/cmd/postlive").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// newWorkspace writes postlive.yaml and the inbox files of the given
// nights into dir.
func newWorkspace(t *testing.T, dir string, nights ...int) {
	t.Helper()
	write := func(p string, b []byte) {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("postlive.yaml", []byte(config))
	for _, f := range inbox {
		if !slices.Contains(nights, f.night) {
			continue
		}
		b, err := fs.ReadFile(fixtures.Sample, "sample/"+f.sample)
		if err != nil {
			t.Fatal(err)
		}
		write(f.path, b)
	}
}

// copyTree copies the workspace src to dst with file modes and times (the
// run state knows inbox files by size and modification time).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel(src, p))
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, b, info.Mode().Perm()); err != nil {
			return err
		}
		return os.Chtimes(target, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// record is one JSON log line of a run, with the time it arrived.
type record struct {
	at  time.Duration // after the process was started
	msg string
	raw map[string]any
}

// proc is a running `postlive run --log-format json`.
type proc struct {
	cmd     *exec.Cmd
	started time.Time
	stdout  bytes.Buffer
	took    time.Duration

	mu     sync.Mutex
	cond   *sync.Cond
	recs   []record
	bad    []string // stderr lines that are not JSON
	stderr []string
	done   bool
	err    error // of Wait
}

func start(t *testing.T, bin, dir string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "--workspace", dir, "--log-format", "json", "run")
	cmd.Env = append(cleanEnv(), "SOURCE_DATE_EPOCH="+sourceDateEpoch)
	p := &proc{cmd: cmd}
	p.cond = sync.NewCond(&p.mu)
	cmd.Stdout = &p.stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			at := time.Since(p.started)
			var raw map[string]any
			p.mu.Lock()
			p.stderr = append(p.stderr, line)
			if err := json.Unmarshal([]byte(line), &raw); err != nil {
				p.bad = append(p.bad, line)
			} else {
				msg, _ := raw["msg"].(string)
				p.recs = append(p.recs, record{at: at, msg: msg, raw: raw})
			}
			p.cond.Broadcast()
			p.mu.Unlock()
		}
		err := cmd.Wait()
		p.mu.Lock()
		p.took = time.Since(p.started)
		p.err, p.done = err, true
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	return p
}

// cleanEnv is the test's environment without POSTLIVE_* settings.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "POSTLIVE_") && !strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=") {
			out = append(out, kv)
		}
	}
	return out
}

// waitUntil blocks until the records satisfy ok or the process ended.
func (p *proc) waitUntil(ok func([]record) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.done && !ok(p.recs) {
		p.cond.Wait()
	}
}

func (p *proc) wait() { p.waitUntil(func([]record) bool { return false }) }

func (p *proc) kill() { p.cmd.Process.Signal(syscall.SIGKILL) }

func (p *proc) killed() bool {
	ps := p.cmd.ProcessState
	if ps == nil {
		return false
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

func (p *proc) exitedOK() bool { return p.err == nil }

func (p *proc) records() []record {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]record(nil), p.recs...)
}

// at returns when the records first satisfied ok.
func (p *proc) at(ok func([]record) bool) (time.Duration, bool) {
	rs := p.records()
	for i := range rs {
		if ok(rs[:i+1]) {
			return rs[i].at, true
		}
	}
	return 0, false
}

func (p *proc) find(msg string) (record, bool) {
	for _, r := range p.records() {
		if r.msg == msg {
			return r, true
		}
	}
	return record{}, false
}

func (p *proc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.stderr, "\n")
}

func count(rs []record, msg string) int {
	n := 0
	for _, r := range rs {
		if r.msg == msg {
			n++
		}
	}
	return n
}
