package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testPlan(id string) PlanRecord {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	return PlanRecord{ExperimentID: id, TestedVariable: "offer_amount", Variants: []string{"20off", "=30off"},
		Allocation: []float64{0.5, 0.5}, PrimaryMetric: "rpv", Alpha: 0.05, MinEffect: 0.1, Power: 0.8,
		BlockBy: []string{"host", "weekday"}, Seed: 1, Candidates: 100, PlannedAt: at,
		Streams: []PlanStreamRecord{
			{StreamID: "s1", Host: "ana", StartedAt: at.Add(24 * time.Hour), Block: "ana · weekday", Variant: "20off"},
			{StreamID: "s2", Host: "ana", StartedAt: at.Add(48 * time.Hour), Block: "ana · weekday", Variant: "=30off"},
		}}
}

// TestPlanRegistration: a registered plan reads back unedited; an edit of
// its file is flagged; planning again is refused without replace, and
// replace keeps the old plan.
func TestPlanRegistration(t *testing.T) {
	w := &Workspace{Dir: t.TempDir()}
	path, hash, err := w.RegisterPlan(testPlan("exp-a"), false)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := w.Plans()
	if err != nil || len(ps) != 1 {
		t.Fatalf("Plans() = %v, %v", ps, err)
	}
	if ps[0].Edited || ps[0].Hash != hash || ps[0].Registered != hash || ps[0].Record.Streams[1].Variant != "=30off" {
		t.Fatalf("read back %+v; want unedited with hash %s", ps[0], hash)
	}
	// an id that cannot name a file is refused
	if _, _, err := w.RegisterPlan(testPlan("+cmd"), false); err == nil {
		t.Error("an id that cannot name a file was accepted")
	}

	// a hand edit: one variant changed
	raw, _ := os.ReadFile(path)
	edited := strings.Replace(string(raw), `"variant": "20off"`, `"variant": "=30off"`, 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, _ = w.Plans()
	if !ps[0].Edited {
		t.Error("an edited plan is not flagged")
	}
	settings := planSettings(ps)
	if !settings[0].Edited || settings[0].Hash != hash {
		t.Errorf("settings %+v; want edited with the registered hash", settings[0])
	}

	var exists *ErrPlanExists
	if _, _, err := w.RegisterPlan(testPlan("exp-a"), false); !errors.As(err, &exists) {
		t.Fatalf("planning again: %v; want ErrPlanExists", err)
	}
	p := testPlan("exp-a")
	p.PlannedAt = p.PlannedAt.Add(time.Hour)
	if _, _, err := w.RegisterPlan(p, true); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(w.Dir, PlansDir, "replaced", "exp-a-*.json"))
	if len(old) != 1 {
		t.Fatalf("replaced plans %v; want the old one kept", old)
	}
	ps, _ = w.Plans()
	if len(ps) != 1 || ps[0].Edited {
		t.Errorf("after --replace: %+v; want the new plan, unedited", ps)
	}
	reg, _ := os.ReadFile(filepath.Join(w.Dir, PlansDir, "registry.csv"))
	if strings.Count(string(reg), "\n") != 3 || !strings.Contains(string(reg), ",replaced\n") {
		t.Errorf("registry:\n%s\nwant a header, the replaced row and the active row", reg)
	}

	// a plan file that does not parse names itself
	if err := os.WriteFile(filepath.Join(w.Dir, PlansDir, "exp-b.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Plans(); err == nil || !strings.Contains(err.Error(), "exp-b.json") {
		t.Errorf("a broken plan: %v; want an error naming the file", err)
	}
}
