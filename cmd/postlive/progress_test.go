//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// openPTY opens a pseudo-terminal: postlive writes to the terminal side, the
// test reads what a user would see from the other.
func openPTY(t *testing.T) (terminal *os.File, screen func() string) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// raw: the terminal passes bytes as written (no \n → \r\n)
	if _, err := term.MakeRaw(int(tty.Fd())); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := make([]byte, 4096)
		for {
			n, err := ptmx.Read(b)
			mu.Lock()
			buf.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { tty.Close(); ptmx.Close() })
	return tty, func() string {
		tty.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

func TestProgressBarsOnlyOnATerminal(t *testing.T) {
	dir := demoWorkspace(t)
	defer func(n int64) { progressMinBytes = n }(progressMinBytes)
	progressMinBytes = 1 // every import draws a bar

	// On a terminal: bars for the reports and for an import, then cleared.
	tty, screen := openPTY(t)
	out := filepath.Join(t.TempDir(), "reports")
	code := run([]string{"-w", dir, "report", "--out", out}, strings.NewReader(""), io.Discard, tty)
	ws := t.TempDir()
	f := filepath.Join(dir, "inbox", "clicks", "clicks.csv") // several reads of 64 KiB
	code2 := run([]string{"-w", ws, "import", "clicks", f}, strings.NewReader(""), io.Discard, tty)
	got := screen()
	if code != 0 || code2 != 0 {
		t.Fatalf("report/import on a terminal exited %d, %d:\n%s", code, code2, got)
	}
	for _, want := range []string{"write reports", "/25", "import " + f, "\r"} {
		if !strings.Contains(got, want) {
			t.Errorf("the terminal shows no %q:\n%q", want, got)
		}
	}
	// at a terminal the default level is warn: stdout and the bars tell the story
	if strings.Contains(got, "INFO") {
		t.Errorf("info records on a terminal without --log-level:\n%q", got)
	}
	tty, screen = openPTY(t)
	code = run([]string{"-w", dir, "--log-level", "info", "report", "--out", out}, strings.NewReader(""), io.Discard, tty)
	if got := screen(); code != 0 || !regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d INFO  reports written dir=`).MatchString(strings.ReplaceAll(got, "\x1b[2K\r", "\n")) {
		t.Errorf("--log-level info on a terminal = %d, %q; want the record with the time of day", code, got)
	}

	// The same on a terminal with JSON logs, and into a plain file: no bar.
	tty, screen = openPTY(t)
	code = run([]string{"-w", dir, "--log-format", "json", "report", "--out", out}, strings.NewReader(""), io.Discard, tty)
	if got := screen(); code != 0 || strings.ContainsAny(got, "\r\x1b") || strings.Contains(got, "write reports") {
		t.Errorf("JSON logs on a terminal = %d, %q; want no bar", code, got)
	}
	logFile, err := os.Create(filepath.Join(t.TempDir(), "postlive.log"))
	if err != nil {
		t.Fatal(err)
	}
	code = run([]string{"-w", dir, "report", "--out", out}, strings.NewReader(""), io.Discard, logFile)
	logFile.Close()
	b, _ := os.ReadFile(logFile.Name())
	if code != 0 || bytes.ContainsAny(b, "\r\x1b") || !bytes.Contains(b, []byte("INFO  reports written")) {
		t.Errorf("stderr into a file = %d, %q; want log lines and no bar", code, b)
	}
}
