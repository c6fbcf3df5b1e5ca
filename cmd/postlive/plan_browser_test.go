package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/postlive/postlive/reports/browsertest"
)

// planSectionView is what planSectionJS measures on an experiment page.
type planSectionView struct {
	Found, Visible           bool
	Top, LiftTop, VerdictTop float64
	Overflow, Rows           int
	Text                     string
}

const planSectionJS = `(() => {
  const h = document.getElementById('plan');
  const sec = h && h.closest('section');
  const top = el => el ? el.getBoundingClientRect().top + window.scrollY : -1;
  const r = sec ? sec.getBoundingClientRect() : null;
  return {
    Found: !!sec,
    Visible: !!r && r.width > 0 && r.height > 0 && getComputedStyle(sec).visibility !== 'hidden',
    Top: top(sec),
    LiftTop: top(document.getElementById('lift')),
    VerdictTop: top(document.getElementById('verdict')),
    Overflow: document.documentElement.scrollWidth - window.innerWidth,
    Rows: sec ? sec.querySelectorAll('tbody tr').length : 0,
    Text: sec ? sec.innerText : ''
  };
})()`

// checkPlanPageInBrowser opens an experiment page in headless Chromium at a
// phone's and a laptop's width: the plan section is shown between the
// verdict and the lift chart, lists rows arms and deviations, does not widen
// the page, and the page loads nothing and logs no error.
func checkPlanPageInBrowser(t *testing.T, page string, rows int, wants ...string) {
	browser := browsertest.Start(t)
	for _, width := range []int64{390, 1280} {
		ctx, l := browsertest.Open(t, browser, page, width, 900)
		tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
		got, err := chromedp.Run(tctx, chromedp.Evaluate[planSectionView](planSectionJS))
		if err != nil {
			t.Fatalf("at %d px: %v", width, err)
		}
		switch {
		case !got.Found || !got.Visible:
			t.Errorf("at %d px the plan section is not shown: %+v", width, got)
		case got.LiftTop < 0 || got.Top > got.LiftTop || (got.VerdictTop >= 0 && got.Top < got.VerdictTop):
			t.Errorf("at %d px the plan section starts at %.0f, the verdict at %.0f, the lift chart at %.0f; want it between them",
				width, got.Top, got.VerdictTop, got.LiftTop)
		}
		if got.Rows != rows {
			t.Errorf("at %d px the plan section has %d table rows; want %d", width, got.Rows, rows)
		}
		if got.Overflow > 0 {
			t.Errorf("at %d px the page is %d px wider than the screen", width, got.Overflow)
		}
		for _, w := range wants {
			if !strings.Contains(got.Text, w) {
				t.Errorf("at %d px the plan section lacks %q:\n%s", width, w, got.Text)
			}
		}
		png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		name := filepath.Join(browsertest.ArtifactsDir(t), fmt.Sprintf("experiment-plan-%dpx.png", width))
		if err := os.WriteFile(name, png, 0o644); err != nil {
			t.Fatal(err)
		}
		browsertest.AssertClean(t, fmt.Sprintf("%s at %d px", filepath.Base(page), width), l)
		tcancel()
	}
}
