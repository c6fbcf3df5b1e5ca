package main

import (
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// TestReportsOnFixturesGolden pins one report of each kind, rendered from the
// bundled sample exports by the demo, byte for byte (with the inlined
// ECharts bundle replaced by a placeholder). Refresh with -update after a
// deliberate change, and read the diff.
func TestReportsOnFixturesGolden(t *testing.T) {
	dir := demoWorkspace(t)
	bundle, err := os.ReadFile(filepath.Join("..", "..", "reports", "assets", "echarts.min.js"))
	if err != nil {
		t.Fatalf("the ECharts bundle is not built (run `make assets`): %v", err)
	}
	sum := sha256.Sum256(bundle)
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	for _, name := range []string{
		"index.html",
		"stream-s-2026-11-02-ana.html",
		"experiment-exp-offer-depth.html",
		"merchant-glowlab.html",
		"merchant-glowlab-reconciliation.csv",
	} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, "reports", name))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(string(b), string(bundle), "/* echarts bundle */")
			got = strings.ReplaceAll(got, hash, "'sha256-ECHARTS-BUNDLE'")
			golden := filepath.Join("testdata", "reports", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/postlive -run Golden -update)", err)
			}
			if got != string(want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				lo := max(0, i-200)
				t.Errorf("%s differs from %s at byte %d:\n got: …%s…\nwant: …%s…", name, golden, i, got[lo:min(len(got), i+200)], string(want)[lo:min(len(want), i+200)])
			}
		})
	}
}
