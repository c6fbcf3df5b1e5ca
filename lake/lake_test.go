package lake

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func testEntry(sha string, seq int64) Entry {
	return Entry{
		SHA256: sha, FileName: "orders.csv", Kind: "orders", Format: "shopify", Tables: "orders,redemptions",
		RowsRead: 10, RowsAccepted: 9, RowsRejected: 1, RowsWritten: 12, ImportSeq: seq,
		ImportedAt: time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC), ConfigKey: "0123456789abcdef",
	}
}

// TestManifestRoundTrip: an entry written is read back as it was; an empty
// merchant stays empty; entries come in import order.
func TestManifestRoundTrip(t *testing.T) {
	l := &Lake{Dir: filepath.Join(t.TempDir(), "lake")}
	if err := l.Init(); err != nil {
		t.Fatal(err)
	}
	a, b := testEntry(strings.Repeat("b", 64), 2), testEntry(strings.Repeat("a", 64), 1)
	b.MerchantID = "GlowLab"
	for _, e := range []Entry{a, b} {
		if err := l.WriteManifest(e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Manifest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != b || got[1] != a {
		t.Errorf("Manifest() = %+v; want %+v then %+v", got, b, a)
	}
}

// TestWriteFailsCleanly: every write of a lake file failing as on a full disk
// (the temporary file is /dev/full, where each write returns ENOSPC) is an
// error naming the file, not a panic (Arrow's Parquet writer panics when it
// cannot write a file's first bytes), and leaves no file behind, visible or
// temporary. The end-to-end test on a real full file system is
// cmd/postlive TestDiskFull.
func TestWriteFailsCleanly(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	l := &Lake{Dir: filepath.Join(t.TempDir(), "lake")}
	if err := l.Init(); err != nil {
		t.Fatal(err)
	}
	before := listAll(t, l.Dir)
	openTemp = func(string) (*os.File, error) { return os.OpenFile("/dev/full", os.O_WRONLY, 0) }
	defer func() { openTemp = defaultOpenTemp }()

	sha := strings.Repeat("c", 64)
	err := l.WriteManifest(testEntry(sha, 1))
	want := "write " + l.ManifestFile(sha) + ": "
	if err == nil || !strings.HasPrefix(err.Error(), want) || !errorsIsNoSpace(err) {
		t.Fatalf("WriteManifest on a full disk = %v; want an error starting %q, no space left on device", err, want)
	}
	if after := listAll(t, l.Dir); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Errorf("a failed write left files:\n%s\nbefore:\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	if m, err := l.Manifest(context.Background()); err != nil || len(m) != 0 {
		t.Errorf("manifest after the failed write: %v, %v; want empty", m, err)
	}
}

var defaultOpenTemp = openTemp

func errorsIsNoSpace(err error) bool {
	for e := err; e != nil; {
		if e == syscall.ENOSPC {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// TestSweep: temporary files go, and so do the data and rejects files of a
// source file without a manifest entry; schema files, marts and imported
// files stay.
func TestSweep(t *testing.T) {
	l := &Lake{Dir: filepath.Join(t.TempDir(), "lake")}
	if err := l.Init(); err != nil {
		t.Fatal(err)
	}
	done, lost := strings.Repeat("d", 64), strings.Repeat("e", 64)
	if err := l.WriteManifest(testEntry(done, 1)); err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{
		l.DataFile("clicks", 2026*12+10, done):                        true,
		l.DataFile("clicks", 2026*12+10, lost):                        false,
		l.RejectsFile(lost):                                           false,
		l.DataFile("links", -1, done):                                 true,
		TempName(l.DataFile("clicks", 2026*12+10, done)):              false,
		TempName(l.MartFile("stream_kpis")):                           false,
		l.MartFile("stream_kpis"):                                     true,
		filepath.Join(l.TableDir("clicks"), "_schema.parquet"):        true,
		filepath.Join(l.TableDir("clicks"), "year=2026", "README.md"): true,
	}
	for p := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Sweep(); err != nil {
		t.Fatal(err)
	}
	for p, keep := range files {
		_, err := os.Stat(p)
		if kept := err == nil; kept != keep {
			t.Errorf("after Sweep %s exists = %v; want %v", strings.TrimPrefix(p, l.Dir), kept, keep)
		}
	}
	if got := l.DataFile("clicks", 2026*12+10, done); !strings.HasSuffix(got, filepath.Join("clicks", "year=2026", "month=11", "dddddddddddddddd.parquet")) {
		t.Errorf("DataFile = %s", got)
	}
}

func listAll(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	return out
}

// TestWriteFile: a complete write replaces the file; a failing one leaves
// the previous file and no temporary name behind, and names the file.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "out.csv")
	if err := WriteFile(p, func(w io.Writer) error { _, err := io.WriteString(w, "a,b\n"); return err }); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(p, func(w io.Writer) error {
		io.WriteString(w, "half")
		return errors.New("query failed")
	})
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "query failed") {
		t.Fatalf("err = %v; want one naming %s and the cause", err, p)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "a,b\n" {
		t.Errorf("file = %q after a failed write; want the previous content", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after a failed write; want only out.csv", len(entries))
	}
}
