package reports

import (
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
				ctx, l := openReport(t, browser, filepath.Join(out, name), w, 900)
				checks, err := runCanvasCheck(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range checks {
					if !c.Canvas || c.Painted < 200 {
						t.Errorf("chart %s not drawn: canvas=%v, %d painted pixels", c.ID, c.Canvas, c.Painted)
					}
				}
				assertClean(t, name, l)
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
