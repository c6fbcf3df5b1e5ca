package postlive_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintRejectsAWrongImport runs make lint's import check
// (bin/golangci-lint with .golangci.yml, as the Makefile installs and runs
// it) on testdata/lint, a tiny module whose ingest imports models: it must
// fail, naming the file and the rule. Without that file it passes, so the
// failure is the import's, not the set-up's.
func TestLintRejectsAWrongImport(t *testing.T) {
	bin, err := filepath.Abs(filepath.Join("bin", "golangci-lint"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: .ci/run runs make lint (which installs it) before the tests", bin)
		}
		t.Skip("bin/golangci-lint is not installed: run make lint")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "lint"))); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(".golangci.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".golangci.yml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	lint := func() (string, error) {
		cmd := exec.Command(bin, "run", "./...")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := lint()
	want := "ingest/wrong.go:4:8: import 'github.com/postlive/postlive/models' is not allowed from list 'ingest'"
	if err == nil || !strings.Contains(out, want) {
		t.Fatalf("lint of an ingest that imports models = %v\n%s\nwant a failure with %q", err, out, want)
	}
	if strings.Contains(out, "ok.go") || strings.Contains(out, "models/models.go") {
		t.Errorf("lint also rejected allowed imports (ingest → lake, models → lake):\n%s", out)
	}
	if err := os.Remove(filepath.Join(dir, "ingest", "wrong.go")); err != nil {
		t.Fatal(err)
	}
	if out, err := lint(); err != nil {
		t.Errorf("lint without the wrong import = %v\n%s", err, out)
	}
}
