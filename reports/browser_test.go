package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/postlive/postlive/reports/browsertest"
)

type canvasCheck struct {
	ID      string `json:"id"`
	Canvas  bool   `json:"canvas"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Painted int    `json:"painted"`
}

// checkCanvasJS reports, per chart container, whether it holds a canvas and
// how many of its pixels are painted.
const checkCanvasJS = `Array.prototype.map.call(document.querySelectorAll("[data-chart]"), function (box) {
  var c = box.querySelector("canvas");
  if (!c) { return { id: box.id, canvas: false, width: 0, height: 0, painted: 0 }; }
  var n = 0;
  if (c.width > 0 && c.height > 0) {
    var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < d.length; i += 4) { if (d[i] !== 0) { n++; } }
  }
  return { id: box.id, canvas: true, width: c.width, height: c.height, painted: n };
})`

func runCanvasCheck(ctx context.Context) ([]canvasCheck, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[[]canvasCheck](checkCanvasJS))
}

func assertChartsDrawn(t *testing.T, ctx context.Context, name string, wantCharts int) {
	t.Helper()
	checks, err := runCanvasCheck(ctx)
	if err != nil {
		t.Fatalf("%s: check canvases: %v", name, err)
	}
	if len(checks) != wantCharts {
		t.Errorf("%s has %d chart containers; want %d", name, len(checks), wantCharts)
	}
	for _, c := range checks {
		if !c.Canvas || c.Width == 0 || c.Height == 0 || c.Painted < 200 {
			t.Errorf("%s: chart %s not drawn: canvas=%v %dx%d, %d painted pixels", name, c.ID, c.Canvas, c.Width, c.Height, c.Painted)
		}
	}
}

// TestBrowser opens every report kind in headless Chromium from file:// and
// checks that each chart is drawn on a canvas, nothing is logged as an error,
// nothing is thrown and nothing is requested from any network. It keeps
// screenshots of the stream report at 1280 and 375 px, and of every other
// kind at 1280 px, in artifacts/.
func TestBrowser(t *testing.T) {
	requireBundle(t)
	browser := browsertest.Start(t)
	db := newTestWarehouse(t, fixture{})
	out := t.TempDir()
	writeReports(t, db, out)

	for _, tc := range []struct {
		file   string
		charts int
	}{
		{"index.html", 0},
		{"stream-s5.html", 3},
		{"stream-s6.html", 3},
		{"experiment-exp1.html", 1},
		{"merchant-m1.html", 5}, // two drop timelines, revenue by stream and by drop
	} {
		t.Run(tc.file, func(t *testing.T) {
			ctx, l := browsertest.Open(t, browser, filepath.Join(out, tc.file), 1280, 900)
			assertChartsDrawn(t, ctx, tc.file, tc.charts)
			browsertest.AssertClean(t, tc.file, l)
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(browsertest.ArtifactsDir(t), strings.TrimSuffix(tc.file, ".html")+"-1280px.png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("sort", func(t *testing.T) {
		ctx, l := browsertest.Open(t, browser, filepath.Join(out, "index.html"), 1280, 900)
		// Index rows start newest first; sort by RPV (ascending, then descending).
		first := `document.querySelector("table.sortable tbody tr td:nth-child(2)").textContent`
		clickRPV := `(function(){var b=document.querySelectorAll("table.sortable thead th button.sort");b[b.length-1].click();return true})()`
		got := make([]string, 0, 3)
		for i := 0; i < 3; i++ {
			if i > 0 {
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](clickRPV)); err != nil {
					t.Fatal(err)
				}
			}
			s, err := chromedp.Run(ctx, chromedp.Evaluate[string](first))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		want := []string{"Winter coats: first look", "Autumn knitwear live", "Winter coats: first look"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("first stream after no sort, RPV ascending, RPV descending = %q; want %q", got, want)
		}
		browsertest.AssertClean(t, "index.html", l)
	})

	t.Run("print", func(t *testing.T) {
		ctx, l := browsertest.Open(t, browser, filepath.Join(out, "stream-s5.html"), 800, 1100)
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		// The page resizes its charts before printing; emulated media sends no
		// beforeprint, so fire it.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.dispatchEvent(new Event("beforeprint"))`)); err != nil {
			t.Fatal(err)
		}
		assertChartsDrawn(t, ctx, "stream-s5.html in print", 3)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(browsertest.ArtifactsDir(t), "stream-report-print.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		browsertest.AssertClean(t, "stream-s5.html in print", l)
	})

	t.Run("screenshots", func(t *testing.T) {
		dir := browsertest.ArtifactsDir(t)
		for _, w := range []int64{1280, 375} {
			ctx, l := browsertest.Open(t, browser, filepath.Join(out, "stream-s5.html"), w, 900)
			assertChartsDrawn(t, ctx, fmt.Sprintf("stream-s5.html at %d px", w), 3)
			browsertest.AssertClean(t, "stream-s5.html", l)
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join(dir, fmt.Sprintf("stream-report-%dpx.png", w))
			if err := os.WriteFile(name, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", name)
			// Nothing may be wider than the viewport on a phone.
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if int64(wide) > w {
				t.Errorf("at %d px the page is %d px wide (horizontal scrolling)", w, wide)
			}
		}
	})
}

// TestBrowserXSS opens the reports built from data whose every text field is
// an injection payload: no dialog may open, no script may run, nothing may be
// requested.
func TestBrowserXSS(t *testing.T) {
	requireBundle(t)
	browser := browsertest.Start(t)
	for _, p := range xssPayloads {
		t.Run(p, func(t *testing.T) {
			db := newTestWarehouse(t, fixture{text: payloadText(p)})
			out := t.TempDir()
			res := writeReports(t, db, out)
			for _, f := range res.Files {
				if !strings.HasSuffix(f, ".html") {
					continue
				}
				name := filepath.Base(f)
				ctx, l := browsertest.Open(t, browser, f, 1280, 900)
				injected, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('img[src="x"], script[src], iframe, object, embed').length`))
				if err != nil {
					t.Fatal(err)
				}
				if injected > 0 {
					t.Errorf("%s: %d injected elements in the DOM", name, injected)
				}
				browsertest.AssertClean(t, name, l)
			}
		})
	}
}
