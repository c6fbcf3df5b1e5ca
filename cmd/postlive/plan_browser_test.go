package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
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
	u := (&url.URL{Scheme: "file", Path: page}).String()
	for _, width := range []int64{390, 1280} {
		ctx, cancel := chromedp.NewContext(browser)
		var mu sync.Mutex
		var problems []string
		chromedp.Listen(ctx, func(ev any) {
			mu.Lock()
			defer mu.Unlock()
			switch e := ev.(type) {
			case *network.EventRequestWillBeSent:
				if e.Request.URL != u && !strings.HasPrefix(e.Request.URL, "data:") {
					problems = append(problems, "request "+e.Request.URL)
				}
			case *runtime.EventConsoleAPICalled:
				if e.Type == runtime.ConsoleAPICalledTypeError {
					problems = append(problems, "console error")
				}
			case *runtime.EventExceptionThrown:
				problems = append(problems, "exception "+e.ExceptionDetails.Text)
			}
		})
		tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
		if err := chromedp.Do(tctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(u), chromedp.WaitReady("body")); err != nil {
			t.Fatalf("open %s: %v", page, err)
		}
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
		mu.Lock()
		if len(problems) > 0 {
			t.Errorf("at %d px: %s", width, strings.Join(problems, "; "))
		}
		mu.Unlock()
		tcancel()
		cancel()
	}
}
