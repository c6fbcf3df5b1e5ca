// Package browsertest starts the headless Chromium that the report and
// e-mail tests open their HTML in, and says where their screenshots go. It
// is imported by tests only.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium finds Debian's chromium. Without it the browser tests skip, unless
// CI=true or POSTLIVE_REQUIRE_BROWSER=1 makes them fail.
func Chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "headless Chromium not found at /usr/bin/chromium; install it with `apt-get install -y chromium` to run the browser tests"
	if os.Getenv("CI") == "true" || os.Getenv("POSTLIVE_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Start starts a headless Chromium with a fresh profile and the network
// features that phone home switched off; it stops when the test ends.
func Start(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profileDir(t)),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// profileDir is a fresh Chromium profile folder. Chromium's helper processes
// can still write into it for a moment after the browser stops, so it is
// removed with retries (t.TempDir would fail the test on "directory not empty").
func profileDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "postlive-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the Chromium profile %s", dir)
	})
	return dir
}

// ArtifactsDir is where screenshots are kept: $POSTLIVE_ARTIFACTS, else
// artifacts/ at the root of the repository (the folder holding go.mod).
func ArtifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("POSTLIVE_ARTIFACTS")
	if dir == "" {
		root, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			up := filepath.Dir(root)
			if up == root {
				t.Fatal("no go.mod above the test's folder; set POSTLIVE_ARTIFACTS")
			}
			root = up
		}
		dir = filepath.Join(root, "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
