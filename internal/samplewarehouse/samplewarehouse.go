// Package samplewarehouse builds, for tests, the warehouse of the sample
// exports bundled in fixtures/sample: imported by ingest and built by
// models as `postlive demo` does, so the tests of the reports read marts
// with the schema and values the models give them instead of tables
// declared by hand. The reports' own test packages cannot import it
// (workspace imports reports/email, which imports reports): their external
// test packages hand its Build to them.
package samplewarehouse

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/postlive/postlive/fixtures"
	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/models"
	"github.com/postlive/postlive/workspace"
)

// ImportedAt is the clock of the imports (the manifest's import times).
var ImportedAt = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

// Build imports the sample exports into a new workspace in a temporary
// folder, builds its warehouse and returns the warehouse's path. The
// caller removes filepath.Dir of it when done (or leaves it to the OS).
func Build() (string, error) {
	dir, err := os.MkdirTemp("", "postlive-sample-warehouse-")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "postlive.yaml"), fixtures.DemoConfig, 0o644); err != nil {
		return "", err
	}
	ws, err := workspace.Load(dir)
	if err != nil {
		return "", err
	}
	if err := ingest.Init(ws.Lake); err != nil {
		return "", err
	}
	ctx := context.Background()
	for _, f := range fixtures.SampleImports {
		b, err := fs.ReadFile(fixtures.Sample, "sample/"+f.File)
		if err != nil {
			return "", err
		}
		name := filepath.Join("inbox", f.Kind, f.Merchant, f.File)
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return "", err
		}
		opt := ws.ImportOptions(f.Kind)
		opt.Now, opt.Name = func() time.Time { return ImportedAt }, name
		if f.Merchant != "" {
			opt.Merchant = f.Merchant
		}
		if _, err := ingest.Import(ctx, ws.Lake, path, opt); err != nil {
			return "", err
		}
	}
	opt, err := ws.BuildOptions(true)
	if err != nil {
		return "", err
	}
	opt.Threads = 1
	if _, err := models.Build(ctx, opt); err != nil {
		return "", err
	}
	return ws.WarehousePath(), nil
}
