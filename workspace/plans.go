package workspace

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/postlive/postlive/escape"
	"github.com/postlive/postlive/lake"
	"github.com/postlive/postlive/models"
)

// PlansDir is the folder of the workspace's pre-registered experiment
// plans (postlive plan): plans/<experiment_id>.json, the plan as written,
// and plans/registry.csv, the SHA-256 of each plan when it was registered.
// A plan whose file no longer has its registered hash was edited after
// registration; the build says so (experiment_plans.is_edited).
const PlansDir = "plans"

// planRegistryColumns is the header of plans/registry.csv.
var planRegistryColumns = []string{"experiment_id", "sha256", "registered_at", "file", "status"}

// planIDPattern is what an experiment id must look like to name a file.
var planIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// PlanRecord is a pre-registered experiment plan: the design, the
// streams-needed estimate and the assignment, as postlive plan decided them.
// Its JSON (field order as here, two-space indent) is what the SHA-256
// covers.
type PlanRecord struct {
	ExperimentID   string             `json:"experiment_id"`
	TestedVariable string             `json:"tested_variable"`
	Variants       []string           `json:"variants"` // the control first
	Allocation     []float64          `json:"allocation"`
	PrimaryMetric  string             `json:"primary_metric"`
	Alpha          float64            `json:"alpha"`
	MinEffect      float64            `json:"min_effect"`
	Power          float64            `json:"power"`
	BlockBy        []string           `json:"block_by"`
	Seed           uint64             `json:"seed"`
	Candidates     int                `json:"candidates"`
	Chosen         int                `json:"chosen_candidate"`
	Criterion      string             `json:"criterion"`
	BlockShare     float64            `json:"balance_block_share"`
	Covariate      float64            `json:"balance_covariate"`
	PlannedPerArm  []int              `json:"planned_streams_per_arm"`
	NeededPerArm   []int              `json:"needed_streams_per_arm,omitempty"`
	NeededLow      []int              `json:"needed_streams_per_arm_low,omitempty"`
	NeededHigh     []int              `json:"needed_streams_per_arm_high,omitempty"`
	NeededBasis    string             `json:"needed_basis"`
	Analysis       string             `json:"analysis"`
	Source         string             `json:"source"`
	PlannedAt      time.Time          `json:"planned_at"`
	Streams        []PlanStreamRecord `json:"streams"`
}

// PlanStreamRecord is one planned stream.
type PlanStreamRecord struct {
	StreamID  string    `json:"stream_id"`
	Host      string    `json:"host"`
	StartedAt time.Time `json:"started_at"`
	Zone      string    `json:"timezone,omitempty"`
	Block     string    `json:"block"`
	Variant   string    `json:"variant"`
}

// StoredPlan is a plan read back from the workspace.
type StoredPlan struct {
	Record PlanRecord
	Path   string
	// Hash is the file's SHA-256 now; Registered the one recorded when it
	// was planned ("" when the registry has none). Edited: they differ.
	Hash, Registered string
	Edited           bool
	RegisteredAt     time.Time
}

// PlanPath is the file of an experiment's plan.
func (w *Workspace) PlanPath(id string) string { return filepath.Join(w.Dir, PlansDir, id+".json") }

func (w *Workspace) planRegistryPath() string { return filepath.Join(w.Dir, PlansDir, "registry.csv") }

// ErrPlanExists says an experiment already has a plan (pass --replace).
type ErrPlanExists struct{ Path string }

func (e *ErrPlanExists) Error() string {
	return fmt.Sprintf("%s exists: the experiment is already planned; pass --replace to plan it again (the old plan is kept under %s/replaced/)", e.Path, PlansDir)
}

// encodePlan is the canonical JSON of a plan.
func encodePlan(p PlanRecord) ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// RegisterPlan writes p as plans/<id>.json and records its SHA-256 in
// plans/registry.csv. An experiment that has a plan is refused unless
// replace; then the old file moves to plans/replaced/<id>-<time>.json and
// its registry row is marked replaced. It returns the path and the hash.
func (w *Workspace) RegisterPlan(p PlanRecord, replace bool) (string, string, error) {
	if !planIDPattern.MatchString(p.ExperimentID) {
		return "", "", fmt.Errorf("experiment id %q cannot name a plan file; use letters, digits, '.', '_' and '-'", p.ExperimentID)
	}
	path := w.PlanPath(p.ExperimentID)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", "", fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	rows, err := readPlanRegistry(w.planRegistryPath())
	if err != nil {
		return "", "", err
	}
	if _, err := os.Stat(path); err == nil {
		if !replace {
			return "", "", &ErrPlanExists{Path: path}
		}
		old := filepath.Join(w.Dir, PlansDir, "replaced", fmt.Sprintf("%s-%s.json", p.ExperimentID, p.PlannedAt.UTC().Format("20060102T150405Z")))
		if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
			return "", "", fmt.Errorf("create %s: %w", filepath.Dir(old), err)
		}
		if err := os.Rename(path, old); err != nil {
			return "", "", fmt.Errorf("keep the old plan: %w", err)
		}
		for i := range rows {
			if rows[i][0] == p.ExperimentID && rows[i][4] == "active" {
				rows[i][4] = "replaced"
				rows[i][3] = filepath.ToSlash(filepath.Join(PlansDir, "replaced", filepath.Base(old)))
			}
		}
	}
	body, err := encodePlan(p)
	if err != nil {
		return "", "", fmt.Errorf("encode plan: %w", err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if err := writeAtomic(path, body); err != nil {
		return "", "", err
	}
	rows = append(rows, []string{p.ExperimentID, hash, p.PlannedAt.UTC().Format(time.RFC3339), filepath.ToSlash(filepath.Join(PlansDir, p.ExperimentID+".json")), "active"})
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.Write(planRegistryColumns)
	for _, r := range rows {
		esc := make([]string, len(r))
		for i, v := range r {
			esc[i] = escape.CSV(v)
		}
		_ = cw.Write(esc)
	}
	cw.Flush()
	if err := writeAtomic(w.planRegistryPath(), b.Bytes()); err != nil {
		return "", "", err
	}
	return path, hash, nil
}

func writeAtomic(path string, body []byte) error {
	f, err := lake.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(body); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

func readPlanRegistry(path string) ([][]string, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(raw))
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil || strings.Join(header, ",") != strings.Join(planRegistryColumns, ",") {
		return nil, &ConfigError{Problems: []string{fmt.Sprintf("%s:1:1: the header is not %s; restore the file from a backup", path, strings.Join(planRegistryColumns, ","))}}
	}
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &ConfigError{Problems: []string{fmt.Sprintf("%s: %v; restore the file from a backup", path, err)}}
		}
		for i := range rec {
			rec[i] = escape.UnCSV(rec[i])
		}
		rows = append(rows, rec)
	}
	return rows, nil
}

// Plans reads every registered plan (plans/*.json) with whether it was
// edited after registration. A plan file that does not parse is an error
// naming it.
func (w *Workspace) Plans() ([]StoredPlan, error) {
	files, err := filepath.Glob(filepath.Join(w.Dir, PlansDir, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, err
	}
	rows, err := readPlanRegistry(w.planRegistryPath())
	if err != nil {
		return nil, err
	}
	active := map[string][]string{}
	for _, r := range rows {
		if len(r) == len(planRegistryColumns) && r[4] == "active" {
			active[r[0]] = r
		}
	}
	sort.Strings(files)
	var out []StoredPlan
	var problems []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var p PlanRecord
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v; restore it (plans/replaced/ keeps replaced plans) or plan again with postlive plan --replace", f, err))
			continue
		}
		if p.ExperimentID+".json" != filepath.Base(f) {
			problems = append(problems, fmt.Sprintf("%s: names experiment %q; the file name must be <experiment_id>.json", f, p.ExperimentID))
			continue
		}
		sum := sha256.Sum256(raw)
		sp := StoredPlan{Record: p, Path: f, Hash: hex.EncodeToString(sum[:])}
		if r, ok := active[p.ExperimentID]; ok {
			sp.Registered = r[1]
			sp.RegisteredAt, _ = time.Parse(time.RFC3339, r[2])
		}
		sp.Edited = sp.Hash != sp.Registered
		out = append(out, sp)
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	return out, nil
}

// planSettings are the plans as the SQL models get them.
func planSettings(ps []StoredPlan) []models.PlanSetting {
	out := make([]models.PlanSetting, 0, len(ps))
	for _, sp := range ps {
		p := sp.Record
		s := models.PlanSetting{ID: p.ExperimentID, TestedVariable: p.TestedVariable, Variants: p.Variants,
			Weights: p.Allocation, PrimaryMetric: p.PrimaryMetric, Alpha: p.Alpha, MinEffect: p.MinEffect,
			BlockBy: strings.Join(p.BlockBy, ","), Seed: int64(p.Seed), PlannedAt: p.PlannedAt, Hash: sp.Registered, Edited: sp.Edited}
		for _, st := range p.Streams {
			s.Streams = append(s.Streams, models.PlanStream{StreamID: st.StreamID, Host: st.Host, StartedAt: st.StartedAt, Block: st.Block, Variant: st.Variant})
		}
		out = append(out, s)
	}
	return out
}
