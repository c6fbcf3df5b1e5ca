package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/postlive/postlive/models"
)

// TestDiskFull runs postlive run on a real full file system — a small
// tmpfs, mounted by the test (it needs root, as CI has) — with the free
// space running out at different points: the first lake file, the
// manifest, the warehouse, the reports. Each run must fail cleanly: exit 1,
// a message naming the path that could not be written, no panic (Arrow's
// Parquet writer used to panic "failed to write magic number", exit 2),
// and nothing half-written visible: every Parquet file a reader can see
// reads whole. Once space is freed, the next run completes the work and
// gives the marts of a run that never lacked space.
func TestDiskFull(t *testing.T) {
	root := t.TempDir()
	if err := syscall.Mount("tmpfs", root, "tmpfs", 0, "size=48m"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a tmpfs for the disk-full test: %v (CI runs as root and must be able to)", err)
		}
		t.Skipf("cannot mount a tmpfs (%v): run as root", err)
	}
	t.Cleanup(func() { syscall.Unmount(root, syscall.MNT_DETACH) })

	demo := demoWorkspace(t)
	yaml, err := os.ReadFile(filepath.Join(demo, "postlive.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for i, free := range []int64{0, 8 << 10, 64 << 10, 200 << 10, 600 << 10, 2 << 20, 8 << 20, 14 << 20, 20 << 20} {
		ws := filepath.Join(root, "ws")
		os.RemoveAll(ws)
		copyTree(t, filepath.Join(demo, "inbox"), filepath.Join(ws, "inbox"))
		writeFile(t, filepath.Join(ws, "postlive.yaml"), string(yaml))
		filler := fill(t, root, free)

		code, out, errOut := postlive(t, "-w", ws, "run")
		if strings.Contains(errOut, "panic") || strings.Contains(out, "panic") {
			t.Fatalf("%d bytes free: run panicked:\n%s", free, errOut)
		}
		switch {
		case code == 0 && free < 8<<20:
			t.Errorf("%d bytes free: run succeeded; the test expects it to run out of space", free)
		case code != 0 && (code != exitFailure || !strings.Contains(strings.ToLower(errOut), "no space left on device") || !strings.Contains(errOut, ws)):
			t.Errorf("%d bytes free: run = %d %q; want exit 1 naming a path of the workspace and 'no space left on device'", free, code, errOut)
		}
		if i := strings.LastIndex(strings.TrimSpace(errOut), "\n"); code != 0 {
			t.Logf("%d bytes free: exit %d: %s", free, code, strings.TrimSpace(errOut)[i+1:])
		}
		checkNothingHalfWritten(t, ws)

		// space again: the next run completes the work
		os.Remove(filler)
		if code, out, errOut := postlive(t, "-w", ws, "run"); code != 0 {
			t.Fatalf("%d bytes free, then space again: run = %d\n%s%s", free, code, out, errOut)
		}
		got := queryOne(t, ws, "select string_agg(stream_id || ':' || revenue || ':' || orders, ' ' order by stream_id) from stream_kpis")
		if i == 0 {
			want = got
		} else if got != want {
			t.Errorf("%d bytes free, then space: stream_kpis %s; want %s", free, got, want)
		}
	}
	if !strings.Contains(want, "s-2026-11-02-ana:2352.80:50") {
		t.Errorf("stream_kpis after the recovery = %s", want)
	}
}

// fill writes a file in dir until the file system has at most free bytes
// left, and returns its path.
func fill(t *testing.T, dir string, free int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := int64(st.Bavail)*int64(st.Bsize) - free
	if n > 0 {
		if _, err := f.Write(make([]byte, n)); err != nil && free > 0 {
			t.Fatal(err)
		}
	}
	return p
}

// checkNothingHalfWritten reads every Parquet file a reader of the lake
// can see, whole, with DuckDB.
func checkNothingHalfWritten(t *testing.T, ws string) {
	t.Helper()
	db, err := models.Open(context.Background(), "", "", 1, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	filepath.WalkDir(filepath.Join(ws, "lake"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") || !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		var n int64
		if err := db.QueryRow("select count(*) from read_parquet('" + strings.ReplaceAll(p, "'", "''") + "')").Scan(&n); err != nil {
			t.Errorf("%s is visible but does not read: %v", strings.TrimPrefix(p, ws), err)
		}
		return nil
	})
}
