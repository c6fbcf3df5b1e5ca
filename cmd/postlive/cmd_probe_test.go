package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestProbeCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "postlive.yaml"), "time_zones:\n  amazon-orders: America/Los_Angeles\ndefault_merchant: amazon-us\n")
	file := filepath.Join("..", "..", "ingest", "testdata", "formats", "amazon-orders", "orders.csv")
	code, out, errOut := postlive(t, "--workspace", dir, "probe", file)
	if code != 0 {
		t.Fatalf("probe exit %d; stderr %s", code, errOut)
	}
	for _, want := range []string{"preamble:   1 line(s)", `"Fee-Orders reports from 11-01-2026 to 11-30-2026"`, "format:     amazon-orders (import kind orders)",
		"rows:       4 read, 4 accepted, 0 rejected", "tracking_id      hostlive-20", "ordered_at       2026-11-05T08:00:00Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("probe output lacks %q:\n%s", want, out)
		}
	}
	unknown := writeFile(t, filepath.Join(dir, "unknown.csv"), "foo,bar\n1,2\n")
	code, out, _ = postlive(t, "--workspace", dir, "probe", "--kind", "orders", unknown)
	if code != exitUsage || !strings.Contains(out, `orders/amazon-orders misses "asin"`) {
		t.Errorf("probe of an unknown file: exit %d, output:\n%s\nwant exit 2 (as import) and the closest formats", code, out)
	}
	code, _, errOut = postlive(t, "--workspace", dir, "import", "orders", unknown)
	if code != exitUsage || !strings.Contains(errOut, "header matches no orders format") {
		t.Errorf("import of the same file: exit %d, stderr %q; want 2 as probe", code, errOut)
	}
	code, _, errOut = postlive(t, "probe", "--input-format", "cj", file)
	if code != 2 || !strings.Contains(errOut, "--input-format needs --kind") {
		t.Errorf("probe --input-format without --kind: exit %d, stderr %q; want 2 and a hint", code, errOut)
	}
	code, _, errOut = postlive(t, "probe", "--kind", "orders", "--input-format", "amazon-order", file)
	if code != 2 || !strings.Contains(errOut, "did you mean amazon-orders?") {
		t.Errorf("probe --input-format amazon-order: exit %d, stderr %q; want 2 and the nearest name", code, errOut)
	}
	code, out, errOut = postlive(t, "--workspace", dir, "probe", "--format", "json", file)
	if code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Errorf("probe --format json: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestProbePrintsAWorkingImport: probe picks the kind under which the most
// rows are accepted (the bundled chat.jsonl also has the generic
// stream_metrics header, and none of its 559 rows is a metric), and the
// import command it prints works as printed: run, it accepts every row the
// probe accepted. An Amazon report, which does not name its merchant, gets
// --merchant.
func TestProbePrintsAWorkingImport(t *testing.T) {
	for _, c := range []struct {
		file, yaml, kind string
		rows             int
	}{
		{filepath.Join("..", "..", "fixtures", "sample", "chat.jsonl"), "", "chat", 559},
		{filepath.Join("..", "..", "ingest", "testdata", "formats", "amazon-orders", "orders.csv"), "time_zones:\n  amazon-orders: America/Los_Angeles\n", "orders", 4},
		{filepath.Join("..", "..", "ingest", "testdata", "formats", "amazon-orders", "workbook.xlsx"), "time_zones:\n  amazon-orders: America/Los_Angeles\n  amazon-earnings: America/Los_Angeles\n", "orders", 4},
	} {
		ws := t.TempDir()
		if c.yaml != "" {
			writeFile(t, filepath.Join(ws, "postlive.yaml"), c.yaml)
		}
		code, out, errOut := postlive(t, "-w", ws, "probe", c.file)
		if code != 0 {
			t.Fatalf("probe %s: exit %d\n%s%s", c.file, code, out, errOut)
		}
		var cmd string
		for _, l := range strings.Split(out, "\n") {
			if rest, ok := strings.CutPrefix(l, "import:     "); ok {
				cmd = rest
			}
		}
		args := strings.Fields(cmd)
		if len(args) < 4 || args[0] != "postlive" || args[1] != "import" || args[2] != c.kind {
			t.Fatalf("probe %s printed import command %q; want postlive import %s …\n%s", c.file, cmd, c.kind, out)
		}
		code, out, errOut = postlive(t, append([]string{"-w", ws}, args[1:]...)...)
		if code != 0 || !strings.Contains(out+errOut, fmt.Sprintf("%d accepted", c.rows)) {
			t.Errorf("%s (as printed by probe): exit %d; want 0 and %d accepted\n%s%s", cmd, code, c.rows, out, errOut)
		}
	}
}
