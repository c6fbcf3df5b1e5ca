package reports

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

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/postlive/postlive/reports/browsertest"
)

// pageLog is what a tab saw while a report was open.
type pageLog struct {
	mu         sync.Mutex
	requests   []string
	consoleErr []string
	exceptions []string
	dialogs    []string
}

func (l *pageLog) add(list *[]string, s string) {
	l.mu.Lock()
	*list = append(*list, s)
	l.mu.Unlock()
}

// openReport opens file in a new tab of the browser with requests to any
// network blocked and every request, console error, exception and dialog
// recorded. It returns the tab's context and its log.
func openReport(t *testing.T, browser context.Context, file string, width, height int64) (context.Context, *pageLog) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	l := &pageLog{}
	dialogs := make(chan string, 16)
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			l.add(&l.requests, e.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				l.add(&l.consoleErr, "console."+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			l.add(&l.exceptions, (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				l.add(&l.consoleErr, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *cdppage.EventJavascriptDialogOpening:
			l.add(&l.dialogs, string(e.Type)+": "+e.Message)
			select {
			case dialogs <- e.Message:
			default:
			}
		}
	}); err != nil {
		t.Fatalf("listen: %v", err)
	}
	// A dialog blocks the page: dismiss it from another goroutine (the test
	// fails on it anyway).
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-dialogs:
				_, _ = chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
			}
		}
	}()
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{
		{URLPattern: "http://*:*/*", Block: true}, {URLPattern: "https://*:*/*", Block: true},
		{URLPattern: "ws://*:*/*", Block: true}, {URLPattern: "wss://*:*/*", Block: true},
	}}); err != nil {
		t.Logf("network.setBlockedURLs: %v (requests are still observed)", err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: abs}).String()
	tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
	defer tcancel()
	if err := chromedp.Do(tctx,
		chromedp.EmulateViewport(width, height),
		chromedp.Navigate(u),
		chromedp.WaitReady("footer"),
	); err != nil {
		t.Fatalf("open %s: %v", file, err)
	}
	// Let late events (errors from timers, requests) arrive.
	time.Sleep(300 * time.Millisecond)
	l.mu.Lock()
	defer l.mu.Unlock()
	var others []string
	for _, r := range l.requests {
		if r != u {
			others = append(others, r)
		}
	}
	l.requests = others
	return ctx, l
}

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

func assertClean(t *testing.T, name string, l *pageLog) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.requests) > 0 {
		t.Errorf("%s made %d network requests: %q", name, len(l.requests), l.requests)
	}
	if len(l.consoleErr) > 0 {
		t.Errorf("%s logged errors: %q", name, l.consoleErr)
	}
	if len(l.exceptions) > 0 {
		t.Errorf("%s threw: %q", name, l.exceptions)
	}
	if len(l.dialogs) > 0 {
		t.Errorf("%s opened dialogs (injected script ran): %q", name, l.dialogs)
	}
}

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
			ctx, l := openReport(t, browser, filepath.Join(out, tc.file), 1280, 900)
			assertChartsDrawn(t, ctx, tc.file, tc.charts)
			assertClean(t, tc.file, l)
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
		ctx, l := openReport(t, browser, filepath.Join(out, "index.html"), 1280, 900)
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
		assertClean(t, "index.html", l)
	})

	t.Run("print", func(t *testing.T) {
		ctx, l := openReport(t, browser, filepath.Join(out, "stream-s5.html"), 800, 1100)
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
		assertClean(t, "stream-s5.html in print", l)
	})

	t.Run("screenshots", func(t *testing.T) {
		dir := browsertest.ArtifactsDir(t)
		for _, w := range []int64{1280, 375} {
			ctx, l := openReport(t, browser, filepath.Join(out, "stream-s5.html"), w, 900)
			assertChartsDrawn(t, ctx, fmt.Sprintf("stream-s5.html at %d px", w), 3)
			assertClean(t, "stream-s5.html", l)
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
				ctx, l := openReport(t, browser, f, 1280, 900)
				injected, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('img[src="x"], script[src], iframe, object, embed').length`))
				if err != nil {
					t.Fatal(err)
				}
				if injected > 0 {
					t.Errorf("%s: %d injected elements in the DOM", name, injected)
				}
				assertClean(t, name, l)
			}
		})
	}
}
