package reports

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// goldenFiles are the report kinds compared with testdata/: one per kind.
var goldenFiles = []string{
	"index.html",
	"stream-s5.html",
	"stream-s6.html",
	"experiment-exp1.html",
	"merchant-m1.html",
	"merchant-m1-reconciliation.csv",
}

// stripBundle replaces the inlined ECharts bundle and its CSP hash with short
// placeholders, so the golden files hold our markup and not 0.6 MB of
// third-party code that changes with the pinned echarts version.
func stripBundle(t testing.TB, s string) string {
	t.Helper()
	b, err := echartsBundle()
	if err != nil {
		t.Fatal(err)
	}
	s = strings.ReplaceAll(s, string(b), "/* echarts bundle (reports/assets/echarts.min.js) */")
	return strings.ReplaceAll(s, cspHash(b), "'sha256-ECHARTS-BUNDLE'")
}

func TestGolden(t *testing.T) {
	requireBundle(t)
	db := newTestWarehouse(t, fixture{})
	out := t.TempDir()
	res := writeReports(t, db, out)
	var names []string
	for _, f := range res.Files {
		names = append(names, filepath.Base(f))
	}
	want := "experiment-exp1.html index.html merchant-m1-reconciliation.csv merchant-m1.html " +
		"stream-s1.html stream-s2.html stream-s3.html stream-s4.html stream-s5.html stream-s6.html"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Write wrote %s; want %s", got, want)
	}
	for _, name := range goldenFiles {
		t.Run(name, func(t *testing.T) {
			got := stripBundle(t, readFile(t, filepath.Join(out, name)))
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./reports -run TestGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s; if the change is intended, run go test ./reports -run TestGolden -update and review the diff\n%s",
					name, golden, firstDiff(string(want), got))
			}
		})
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\nwant: " + w + "\ngot:  " + g
		}
	}
	return ""
}

func itoa(i int) string { return strconv.Itoa(i) }
