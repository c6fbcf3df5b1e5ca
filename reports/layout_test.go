package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/postlive/postlive/reports/browsertest"
)

// TestBrowserLayout opens every kind of report — the index, streams,
// experiments, merchants and creator statements — written from the sample
// warehouse (the sample exports built through models) in headless Chromium
// at a phone's 390 px and a desktop's 1280 px: the page may not scroll
// sideways (wide tables scroll inside their own box), no visible text may be
// under 11 px, no percentage below −100 % may show, every chart is drawn and
// nothing is logged, thrown or requested. Screenshots go to artifacts/.
func TestBrowserLayout(t *testing.T) {
	requireBundle(t)
	browser := browsertest.Start(t)
	db := sampleWarehouse(t)
	out := t.TempDir()
	res := writeReports(t, db, out)
	var files []string
	streams := 0
	for _, f := range res.Files {
		name := filepath.Base(f)
		switch {
		case !strings.HasSuffix(name, ".html"):
		case strings.HasPrefix(name, "stream-"):
			// Two streams: the newest TikTok one and an encore on YouTube.
			if name == "stream-s-2026-11-02-ana.html" || name == "stream-s-2026-11-03-ana.html" {
				files = append(files, name)
				streams++
			}
		default:
			files = append(files, name)
		}
	}
	if streams != 2 {
		t.Fatalf("the sample reports lack the two streams looked at: %v", res.Files)
	}
	dir := browsertest.ArtifactsDir(t)
	for _, name := range files {
		for _, w := range []int64{390, 1280} {
			t.Run(fmt.Sprintf("%s/%dpx", name, w), func(t *testing.T) {
				ctx, l := browsertest.Open(t, browser, filepath.Join(out, name), w, 900)
				checks, err := runCanvasCheck(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range checks {
					if !c.Canvas || c.Painted < 200 {
						t.Errorf("chart %s not drawn: canvas=%v, %d painted pixels", c.ID, c.Canvas, c.Painted)
					}
				}
				browsertest.AssertClean(t, name, l)
				lay, err := browsertest.MeasureLayout(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if lay.Width > lay.Viewport {
					t.Errorf("the page is %d px wide at %d px (scrolls sideways); widest: %s", lay.Width, lay.Viewport, lay.Overflow)
				}
				if len(lay.SmallText) > 0 {
					t.Errorf("visible text under %d px: %q", browsertest.MinTextPx, lay.SmallText)
				}
				if len(lay.BelowMin) > 0 {
					t.Errorf("percentages below −100 %%: %q", lay.BelowMin)
				}
				if strings.HasPrefix(name, "experiment-") {
					checkAdviceFirst(t, ctx, w, 900)
				}
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
				if err != nil {
					t.Fatal(err)
				}
				shot := filepath.Join(dir, fmt.Sprintf("sample-%s-%dpx.png", strings.TrimSuffix(name, ".html"), w))
				if err := os.WriteFile(shot, png, 0o644); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// checkAdviceFirst: an experiment page's first screen says what to do — the
// decision sentence is there, wholly within the first height px of a page
// width px wide, before the verdict and the interval chart.
func checkAdviceFirst(t *testing.T, ctx context.Context, width, height int64) {
	t.Helper()
	type advice struct {
		Text          string  `json:"text"`
		Top           float64 `json:"top"`
		Bottom        float64 `json:"bottom"`
		Right         float64 `json:"right"`
		Scroll        float64 `json:"scroll"`
		BeforeChart   bool    `json:"beforeChart"`
		BeforeVerdict bool    `json:"beforeVerdict"`
	}
	const js = `(() => {
  const e = document.querySelector('p.advice');
  if (!e) return {text: '', top: 0, bottom: 0, right: 0, scroll: 0, beforeChart: false, beforeVerdict: false};
  const r = e.getBoundingClientRect();
  const after = s => { const o = document.querySelector(s); return !o || !!(e.compareDocumentPosition(o) & Node.DOCUMENT_POSITION_FOLLOWING); };
  return {text: e.textContent, top: r.top, bottom: r.bottom, right: r.right, scroll: e.scrollWidth - e.clientWidth,
    beforeChart: after('figure.chart'), beforeVerdict: after('#verdict')};
})()`
	a, err := chromedp.Run(ctx, chromedp.Evaluate[advice](js))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case a.Text == "":
		t.Error("no decision sentence (p.advice) on the experiment page")
	case a.Bottom > float64(height) || a.Top < 0:
		t.Errorf("the decision sentence %q is at %.0f–%.0f px, not within the first %d px", a.Text, a.Top, a.Bottom, height)
	case a.Right > float64(width) || a.Scroll > 0:
		t.Errorf("the decision sentence %q overflows: right edge %.0f px of %d, %.0f px hidden", a.Text, a.Right, width, a.Scroll)
	case !a.BeforeChart || !a.BeforeVerdict:
		t.Errorf("the decision sentence is not before the verdict and the chart (verdict %v, chart %v)", a.BeforeVerdict, a.BeforeChart)
	}
}
