package workspace

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/lake"
	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
)

// Workspace is a workspace folder with its configuration loaded:
//
//	postlive.yaml        the configuration (optional)
//	inbox/<kind>/        exports waiting to be imported (postlive run)
//	lake/                the Parquet lake (package lake)
//	warehouse.duckdb     the DuckDB warehouse
//	reports/             HTML reports and CSVs
//	.postlive/           the lock, the run state, the e-mail sent-log, the salt
type Workspace struct {
	Dir    string
	Config *Config
	Lake   *lake.Lake
}

// Dir is the workspace folder: flag (--workspace) when given, else
// $POSTLIVE_WORKSPACE, else the current folder; made absolute.
func Dir(flag string) (string, error) {
	dir := flag
	if dir == "" {
		dir = os.Getenv("POSTLIVE_WORKSPACE")
	}
	if dir == "" {
		dir = "."
	}
	return filepath.Abs(dir)
}

// Load reads the configuration of the workspace folder dir: postlive.yaml
// (optional) decoded once, the POSTLIVE_* variables of the environment, the
// defaults of every other key; every problem is reported at once (a
// *ConfigError). Without pii.salt it creates the workspace's random salt in
// .postlive/salt once.
func Load(dir string) (*Workspace, error) {
	return load(dir, os.Environ())
}

func load(dir string, environ []string) (*Workspace, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, &ConfigError{Problems: []string{fmt.Sprintf("workspace %s is not a folder; pass --workspace DIR or set POSTLIVE_WORKSPACE", dir)}}
	}
	c, err := readConfig(filepath.Join(dir, "postlive.yaml"), environ)
	if err != nil {
		return nil, err
	}
	if c.Email.SMTP.CAFile != "" && !filepath.IsAbs(c.Email.SMTP.CAFile) {
		c.Email.SMTP.CAFile = filepath.Join(dir, c.Email.SMTP.CAFile)
	}
	c.SaltSource = "pii.salt"
	if c.Salt == "" {
		if c.Salt, err = salt(dir); err != nil {
			return nil, err
		}
		c.SaltSource = ".postlive/salt"
	}
	return &Workspace{Dir: dir, Config: c, Lake: lake.In(dir)}, nil
}

// Defaults is the configuration of a workspace without postlive.yaml and
// without POSTLIVE_* variables: every key at its default (pii.salt empty).
func Defaults() *Config { return newConfig() }

// StateDir is .postlive/: the lock, the run state, the sent-log, the salt.
func (w *Workspace) StateDir() string { return filepath.Join(w.Dir, ".postlive") }

// InboxDir is inbox/, where postlive run finds new exports.
func (w *Workspace) InboxDir() string { return filepath.Join(w.Dir, "inbox") }

// ReportsDir is reports/.
func (w *Workspace) ReportsDir() string { return filepath.Join(w.Dir, "reports") }

// WarehousePath is warehouse.duckdb.
func (w *Workspace) WarehousePath() string { return filepath.Join(w.Dir, "warehouse.duckdb") }

// salt returns the workspace's random salt, creating it once.
func salt(dir string) (string, error) {
	p := filepath.Join(dir, ".postlive", "salt")
	if b, err := os.ReadFile(p); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	s := hex.EncodeToString(buf)
	// Every visitor and customer key depends on the salt: it is synced
	// before it is used, and renamed into place whole.
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(p), err)
	}
	f, err := lake.Create(p)
	if err != nil {
		return "", err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Abort()
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	fmt.Fprintln(f, s)
	if err := f.Commit(); err != nil {
		return "", err
	}
	return s, nil
}

// ImportOptions are the ingest settings of an import of kind: the salt, the
// stream parameter, bot patterns, per-format time zones, currencies and
// decimal separators, and default_merchant as the merchant. The caller adds
// what its flags say (format, merchant, clock, name).
func (w *Workspace) ImportOptions(kind string) ingest.Options {
	c := w.Config
	return ingest.Options{
		Kind: kind, Merchant: c.DefaultMerchant, Salt: c.Salt, BotPatterns: c.BotPatterns, StreamParam: c.StreamParam,
		TimeZones: c.TimeZones, Currencies: c.Currencies, Decimals: c.Decimals,
		MaxRecordBytes: c.MaxRecordBytes, Plausible: c.Plausible, URLParams: c.URLParams,
	}
}

// ModelSettings are the settings the SQL models read, complete: every
// value is the configured one or its default.
func (w *Workspace) ModelSettings() (models.Settings, error) {
	s := w.Config.ModelSettings()
	var err error
	if s.Payments, err = w.Payments(); err != nil {
		return s, err
	}
	plans, err := w.Plans()
	s.Plans = planSettings(plans)
	return s, err
}

// ModelSettings are the settings the SQL models read (see
// Workspace.ModelSettings).
func (c *Config) ModelSettings() models.Settings {
	ids := make([]string, 0, len(c.Experiments))
	for id := range c.Experiments {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	exps := make([]models.ExperimentSetting, 0, len(ids))
	for _, id := range ids {
		x := c.Experiments[id]
		exps = append(exps, models.ExperimentSetting{ID: id, Control: x.Control, PrimaryMetric: x.PrimaryMetric, PlannedStreams: x.PlannedStreams, Alpha: x.Alpha, Allocation: x.Allocation})
	}
	d := defaultExperiment()
	return models.Settings{
		AttributionWindow: c.AttributionWindow, DuplicateWindow: c.DuplicateWindow, Currency: c.Currency,
		Experiments: exps, ExperimentDefaults: models.ExperimentSetting{PrimaryMetric: d.PrimaryMetric, Alpha: d.Alpha},
		CommissionRates: c.CommissionRates,
		LeakAfter:       c.LeakAfter, LeakMinRedemptions: c.LeakMinRedemptions, LeakShare: c.LeakShare,
		PriorSD: c.PriorSD, PriorMinExperiments: c.PriorMinExperiments,
		PayoutCloseAfter: c.PayoutCloseAfter, Campaigns: c.Campaigns,
		DisclosurePhrases: c.DisclosurePhrases, DisclosureWithin: c.DisclosureWithin, MinMinutes: c.MinMinutes,
	}
}

// BuildOptions are the options of a build of this workspace (full:
// compute every table, reusing none of the previous build's).
func (w *Workspace) BuildOptions(full bool) (models.Options, error) {
	s, err := w.ModelSettings()
	return models.Options{
		Workspace: w.Dir, Warehouse: w.WarehousePath(), SQL: sqlfiles.FS, Settings: s,
		Threads: w.Config.Threads, MemoryLimit: w.Config.Memory().DuckDBSetting(), NoReuse: full,
	}, err
}

// BuildKey names everything a build of this workspace reads — the lake's
// files and manifest, the settings tables, the SQL, the postlive binary —
// as models fingerprints them for reuse: equal keys give equal marts. It is
// the one answer to "did anything a build reads change" (postlive run
// asks it to decide whether to build).
func (w *Workspace) BuildKey() (string, error) {
	opt, err := w.BuildOptions(false)
	if err != nil {
		return "", err
	}
	return models.Key(opt)
}

// ErrNoWarehouse says the warehouse was never built.
type ErrNoWarehouse struct{ Path string }

func (e *ErrNoWarehouse) Error() string {
	return fmt.Sprintf("%s does not exist yet; run `postlive build` (or `postlive run`) first", e.Path)
}

// OpenWarehouse opens warehouse.duckdb read-only, as every command that
// reads it does (query, experiments, reconcile, payouts, report, send).
func (w *Workspace) OpenWarehouse(ctx context.Context) (*sql.DB, error) {
	if _, err := os.Stat(w.WarehousePath()); err != nil {
		return nil, &ErrNoWarehouse{Path: w.WarehousePath()}
	}
	db, err := models.Open(ctx, w.WarehousePath(), w.Dir, w.Config.Threads, w.Config.Memory().DuckDBSetting(), true)
	if err != nil {
		return nil, err
	}
	// DuckDB's default would be warehouse.duckdb.tmp, one folder for every
	// reader; each spills into its own (SpillDir), so the sweep can tell a
	// dead reader's from a live one's.
	if _, err := db.ExecContext(ctx, "set temp_directory = '"+strings.ReplaceAll(w.SpillDir(), "'", "''")+"'"); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: set temp_directory: %w", w.WarehousePath(), err)
	}
	return db, nil
}

// RemoveInterrupted removes what a killed command left outside the lake:
// the new warehouse of an interrupted build (with the folder it spilled to,
// warehouse.duckdb.tmp-<pid>.tmp), the spill folders of readers that no
// longer run (.postlive/spill-<pid>), and temporary files in .postlive/
// (run state, salt: written under temporary names and renamed when
// complete). The caller holds the workspace lock.
func (w *Workspace) RemoveInterrupted() error {
	if err := models.RemoveInterrupted(w.WarehousePath()); err != nil {
		return err
	}
	if err := w.removeSpill(); err != nil {
		return err
	}
	entries, err := os.ReadDir(w.StateDir())
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, en := range entries {
		if strings.Contains(en.Name(), ".tmp") && !en.IsDir() {
			if err := os.Remove(filepath.Join(w.StateDir(), en.Name())); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}
