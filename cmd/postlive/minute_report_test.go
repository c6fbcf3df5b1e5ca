package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/postlive/postlive/reports/browsertest"
	"github.com/postlive/postlive/reports/email/smtptest"
)

// TestCounterlessStreamReport: a YouTube stream whose only metrics are the
// Analytics viewer report (no likes, comments or shares), imported, built and
// reported for real. Its report and its e-mail show no moments to clip and
// say that YouTube did not report engagement; the minute chart's last bar,
// 20 s long, says it is a partial minute. The report is opened in headless
// Chromium at 390 and 1280 px (chart drawn, tooltip of the last bar, no
// request, no console error) and a screenshot of each width is kept in
// artifacts/.
func TestCounterlessStreamReport(t *testing.T) {
	ws := t.TempDir()
	in := t.TempDir()
	plan := writeFile(t, filepath.Join(in, "streams.csv"),
		"stream_id,affiliate_id,started_at,ended_at,platform,title,timezone\n"+
			"yt-clip,ana,2026-11-12T19:00:00Z,2026-11-12T19:05:20Z,youtube,Knife care Q&A,America/New_York\n")
	report := writeFile(t, filepath.Join(in, "yt-clip-youtube.csv"),
		"livestreamPosition,averageConcurrentViewers,peakConcurrentViewers\n"+
			"0,120,130\n1,180,200\n2,240,260\n3,210,230\n4,190,200\n5,150,170\n")
	for _, args := range [][]string{
		{"import", "--strict", "streams", plan},
		{"import", "--strict", "stream_metrics", report},
		{"build"},
		{"report"},
	} {
		if code, out, errOut := postlive(t, append([]string{"-w", ws}, args...)...); code != 0 {
			t.Fatalf("postlive %s = %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	const note = "Engagement not reported by YouTube: no likes, comments or shares per minute, so no moments to clip."
	const partial = "05:00 (partial, 20 s)"

	page := filepath.Join(ws, "reports", "stream-yt-clip.html")
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{note, partial, "The last bar, 05:00, is a partial minute: the stream ended 20 s into it"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the stream report lacks %q", want)
		}
	}
	if strings.Contains(string(html), `class="moments"`) {
		t.Error("the stream report lists moments to clip for a stream without engagement")
	}

	t.Run("e-mail", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{User: "mailer", Password: mailPassword})
		writeFile(t, filepath.Join(ws, "postlive.yaml"), emailYAML(srv, "none"))
		t.Setenv("POSTLIVE_EMAIL_SMTP_PASSWORD", mailPassword)
		dir := t.TempDir()
		if code, out, errOut := postlive(t, "-w", ws, "send", "--to-dir", dir); code != 0 {
			t.Fatalf("send --to-dir = %d %s%s", code, out, errOut)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "ana-2026-11-21.eml"))
		if err != nil {
			t.Fatal(err)
		}
		// the stream report only: the creator has no payout lines, so no statement
		text, body, _ := checkMessageAttached(t, raw, 1, 1)
		for part, s := range map[string]string{"text": text, "HTML": body} {
			if !strings.Contains(s, note) {
				t.Errorf("the %s part of the e-mail lacks %q", part, note)
			}
		}
		if !strings.Contains(body, "The last bar, 05:00, is a partial minute") {
			t.Error("the e-mail's chart caption does not say the last bar is a partial minute")
		}
	})

	t.Run("browser", func(t *testing.T) { checkCounterlessInBrowser(t, page, note, partial) })
}

// counterlessView is what the page shows, read in the browser.
type counterlessView struct {
	Clips   string `json:"clips"`   // the text of the moments section
	Moments int    `json:"moments"` // moment items listed
	Painted int    `json:"painted"` // painted pixels of the minute chart
	Wide    int    `json:"wide"`    // the page's scroll width
}

// lastBar is the middle of the last bar's column in the upper grid, in
// viewport pixels, once the chart is scrolled into view.
type lastBar struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

const counterlessJS = `(function () {
  var box = document.querySelector("[data-chart]");
  var c = box.querySelector("canvas"), n = 0;
  if (c && c.width > 0) {
    var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < d.length; i += 4) { if (d[i] !== 0) { n++; } }
  }
  return {
    clips: document.getElementById("clips").parentNode.textContent,
    moments: document.querySelectorAll(".moments li").length,
    painted: n,
    wide: document.documentElement.scrollWidth
  };
})()`

const lastBarJS = `(function () {
  var box = document.querySelector("[data-chart]");
  box.scrollIntoView({ block: "center" });
  var chart = echarts.getInstanceByDom(box);
  var cats = chart.getOption().xAxis[0].data;
  var r = box.getBoundingClientRect();
  return { x: r.left + chart.convertToPixel({ xAxisIndex: 0 }, cats[cats.length - 1]), y: r.top + 180 };
})()`

// canvasTextJS lists the texts the minute chart draws on its canvas: the
// chart's tooltip is drawn there too (renderMode richText), so the texts
// that appear on hovering are the tooltip's.
const canvasTextJS = `(function () {
  var chart = echarts.getInstanceByDom(document.querySelector("[data-chart]"));
  var out = [];
  chart.getZr().storage.getDisplayList(true).forEach(function (el) {
    if (el.style && typeof el.style.text === "string" && el.style.text !== "") { out.push(el.style.text); }
  });
  return out;
})()`

// newTexts is what after shows that before did not.
func newTexts(before, after []string) string {
	seen := map[string]int{}
	for _, s := range before {
		seen[s]++
	}
	var out []string
	for _, s := range after {
		if seen[s] > 0 {
			seen[s]--
			continue
		}
		out = append(out, s)
	}
	return strings.Join(out, " | ")
}

func checkCounterlessInBrowser(t *testing.T, page, note, partial string) {
	browser := browsertest.Start(t)
	for _, width := range []int64{390, 1280} {
		ctx, l := browsertest.Open(t, browser, page, width, 900)
		tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
		got, err := chromedp.Run(tctx, chromedp.Evaluate[counterlessView](counterlessJS))
		if err != nil {
			t.Fatalf("at %d px: %v", width, err)
		}
		if got.Moments != 0 || !strings.Contains(got.Clips, note) {
			t.Errorf("at %d px the moments section lists %d moments and reads %q; want none and the note", width, got.Moments, got.Clips)
		}
		if got.Painted < 200 {
			t.Errorf("at %d px the minute chart is not drawn (%d painted pixels)", width, got.Painted)
		}
		png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(browsertest.ArtifactsDir(t), fmt.Sprintf("stream-counterless-%dpx.png", width))
		if err := os.WriteFile(name, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", name)
		// a reader's pointer on the last bar: the tooltip names it a partial minute
		bar, err := chromedp.Run(tctx, chromedp.Evaluate[lastBar](lastBarJS))
		if err != nil {
			t.Fatal(err)
		}
		before, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](canvasTextJS))
		if err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(tctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, bar.X, bar.Y), chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		after, err := chromedp.Run(tctx, chromedp.Evaluate[[]string](canvasTextJS))
		if err != nil {
			t.Fatal(err)
		}
		tip := newTexts(before, after)
		t.Logf("at %d px the tooltip of the last bar: %q", width, tip)
		if !strings.Contains(tip, partial) {
			t.Errorf("at %d px the last bar's tooltip reads %q; want it to name %q", width, tip, partial)
		}
		if int64(got.Wide) > width {
			t.Errorf("at %d px the page is %d px wide", width, got.Wide)
		}
		// what a reader sees with the pointer on the last bar
		shot, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		name = filepath.Join(browsertest.ArtifactsDir(t), fmt.Sprintf("stream-counterless-%dpx-last-bar.png", width))
		if err := os.WriteFile(name, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", name)
		browsertest.AssertClean(t, fmt.Sprintf("%s at %d px", filepath.Base(page), width), l)
		tcancel()
	}
}
