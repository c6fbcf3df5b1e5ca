package browsertest

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Log is what a tab saw while a page was open (Open).
type Log struct {
	mu            sync.Mutex
	Requests      []string // other than the page itself
	ConsoleErrors []string
	Exceptions    []string
	Dialogs       []string
}

func (l *Log) add(list *[]string, s string) {
	l.mu.Lock()
	*list = append(*list, s)
	l.mu.Unlock()
}

// Open opens file (a report or an e-mail body, which has a footer) in a new
// tab of browser at width × height, with requests to any network blocked and
// every request, console error, exception and dialog recorded. It returns
// the tab's context, closed when the test ends, and its log for AssertClean.
func Open(t *testing.T, browser context.Context, file string, width, height int64) (context.Context, *Log) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	l := &Log{}
	dialogs := make(chan string, 16)
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			l.add(&l.Requests, e.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				l.add(&l.ConsoleErrors, "console."+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			l.add(&l.Exceptions, (&chromedp.ExceptionError{ExceptionDetails: e.ExceptionDetails}).Error())
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				l.add(&l.ConsoleErrors, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *cdppage.EventJavascriptDialogOpening:
			l.add(&l.Dialogs, string(e.Type)+": "+e.Message)
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
	for _, r := range l.Requests {
		if r != u {
			others = append(others, r)
		}
	}
	l.Requests = others
	return ctx, l
}

// AssertClean fails the test for every request, console error, exception
// or dialog the page's log holds.
func AssertClean(t *testing.T, name string, l *Log) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.Requests) > 0 {
		t.Errorf("%s made %d network requests: %q", name, len(l.Requests), l.Requests)
	}
	if len(l.ConsoleErrors) > 0 {
		t.Errorf("%s logged errors: %q", name, l.ConsoleErrors)
	}
	if len(l.Exceptions) > 0 {
		t.Errorf("%s threw: %q", name, l.Exceptions)
	}
	if len(l.Dialogs) > 0 {
		t.Errorf("%s opened dialogs (injected script ran): %q", name, l.Dialogs)
	}
}
