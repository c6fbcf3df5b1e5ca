//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
)

// TestBuildProgress: on a terminal build shows which model it computes, a
// step per model, and clears the bar; into a file it draws nothing.
func TestBuildProgress(t *testing.T) {
	ws := t.TempDir()
	plan := writeFile(t, filepath.Join(t.TempDir(), "plan.csv"), "stream_id,affiliate_id,started_at,ended_at\ns1,a1,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\n")
	if code, _, errOut := postlive(t, "-w", ws, "import", "streams", plan); code != 0 {
		t.Fatalf("import = %d %s", code, errOut)
	}
	tty, screen := openPTY(t)
	var out bytes.Buffer
	code := run([]string{"-w", ws, "build", "--full"}, strings.NewReader(""), &out, tty)
	got := screen()
	if code != 0 {
		t.Fatalf("build on a terminal = %d\n%s", code, got)
	}
	// the bar is redrawn at most every 65 ms: the first step always shows;
	// a step per model, then the data tests and the export of the marts
	ms, _, err := models.Load(sqlfiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"build stg_", fmt.Sprintf("(0/%d)", len(ms)+2), "\r", "\x1b[2K"} {
		if !strings.Contains(got, want) {
			t.Errorf("the terminal shows no %q:\n%q", want, got)
		}
	}
	logFile, err := os.Create(filepath.Join(t.TempDir(), "postlive.log"))
	if err != nil {
		t.Fatal(err)
	}
	code = run([]string{"-w", ws, "build", "--full"}, strings.NewReader(""), &out, logFile)
	logFile.Close()
	b, _ := os.ReadFile(logFile.Name())
	if code != 0 || bytes.ContainsAny(b, "\r\x1b") || bytes.Contains(b, []byte("build stg_streams")) {
		t.Errorf("build with stderr into a file = %d, %q; want no bar", code, b)
	}
}
