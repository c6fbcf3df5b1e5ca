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
	"github.com/chromedp/chromedp"

	"github.com/postlive/postlive/reports/browsertest"
	"github.com/postlive/postlive/reports/email"
)

// openEmailInBrowser shows the HTML body of an .eml, its cid: images inlined
// as data: URIs, in headless Chromium with every network blocked, at a
// desktop's 1280 px and a phone's 390 px: the message is at most 1 MB,
// every image must decode, nothing may run or be requested, the 600 px
// layout must fit, nothing may scroll sideways, no visible text may be under
// 11 px (the charts, drawn for 360 px with 11 px text, are shown at least
// that wide), no percentage below −100 %; a screenshot of each is kept in
// artifacts/.
func openEmailInBrowser(t *testing.T, eml []byte) {
	if len(eml) > email.MaxMessageBytes {
		t.Errorf("the message is %d bytes; at most %d", len(eml), email.MaxMessageBytes)
	}
	html, inlined := emlHTML(t, eml)
	if inlined != 5 {
		t.Fatalf("inlined %d images; want 5", inlined)
	}
	file := filepath.Join(t.TempDir(), "email.html")
	if err := os.WriteFile(file, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	browser := browsertest.Start(t)
	u := (&url.URL{Scheme: "file", Path: file}).String()

	for _, width := range []int64{1280, 390} {
		ctx, cancelTab := chromedp.NewContext(browser)
		var mu sync.Mutex
		var requests []string
		chromedp.Listen(ctx, func(ev any) {
			if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request.URL != u && !strings.HasPrefix(e.Request.URL, "data:") {
				mu.Lock()
				requests = append(requests, e.Request.URL)
				mu.Unlock()
			}
		})
		tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
		if _, err := chromedp.Call(tctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{
			{URLPattern: "http://*:*/*", Block: true}, {URLPattern: "https://*:*/*", Block: true},
		}}); err != nil {
			t.Logf("network.setBlockedURLs: %v (requests are still observed)", err)
		}
		if err := chromedp.Do(tctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate(u), chromedp.WaitReady("body")); err != nil {
			t.Fatalf("open the e-mail: %v", err)
		}
		type imgs struct {
			Total   int     `json:"total"`
			Decoded int     `json:"decoded"`
			Scripts int     `json:"scripts"`
			Wide    int     `json:"wide"`
			Layout  float64 `json:"layout"`
			Widest  string  `json:"widest"`
			Chart   float64 `json:"chart"` // the narrowest chart as shown, CSS px
		}
		got, err := chromedp.Run(tctx, chromedp.Evaluate[imgs](`(function () {
  var im = Array.prototype.slice.call(document.images);
  return {
    total: im.length,
    decoded: im.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
    scripts: document.scripts.length,
    wide: document.documentElement.scrollWidth,
    layout: document.querySelector('table[width="600"]').getBoundingClientRect().width,
    chart: Math.min.apply(null, im.filter(function (i) { return /^data:image\/png/.test(i.src); }).map(function (i) { return i.getBoundingClientRect().width; })),
    widest: (function () {
      var best = null, w = 0;
      document.querySelectorAll("td, th, img, p, h1, h2, h3").forEach(function (e) {
        if (e.scrollWidth > e.clientWidth + 1 && e.scrollWidth - e.clientWidth > w) { w = e.scrollWidth - e.clientWidth; best = e; }
      });
      return best ? best.tagName + " " + w + ": " + best.textContent.slice(0, 60) : "";
    })()
  };
})()`))
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != 5 || got.Decoded != 5 {
			t.Errorf("at %d px: %d of %d images decoded; want 5 of 5", width, got.Decoded, got.Total)
		}
		if got.Scripts != 0 {
			t.Errorf("the e-mail body has %d scripts", got.Scripts)
		}
		if width >= 600 && got.Layout != 600 {
			t.Errorf("at %d px the layout table is %v px wide; want 600", width, got.Layout)
		}
		if int64(got.Wide) > width {
			t.Errorf("at %d px the e-mail is %d px wide (horizontal scrolling; overflowing: %s)", width, got.Wide, got.Widest)
		}
		if got.Chart < email.ChartWidth {
			t.Errorf("at %d px a chart is shown %v px wide; under %d px its text would be under 11 px", width, got.Chart, email.ChartWidth)
		}
		lay, err := browsertest.MeasureLayout(tctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(lay.SmallText) > 0 || len(lay.BelowMin) > 0 || lay.Width > lay.Viewport {
			t.Errorf("at %d px: text under %d px %q, percentages below −100 %% %q, page %d px wide (%s)",
				width, browsertest.MinTextPx, lay.SmallText, lay.BelowMin, lay.Width, lay.Overflow)
		}
		png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(browsertest.ArtifactsDir(t), fmt.Sprintf("email-ana-%dpx.png", width))
		if err := os.WriteFile(name, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", name)
		mu.Lock()
		if len(requests) > 0 {
			t.Errorf("the e-mail made network requests: %q", requests)
		}
		mu.Unlock()
		tcancel()
		cancelTab()
	}
}
