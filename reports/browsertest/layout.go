package browsertest

import (
	"context"
	"strconv"

	"github.com/chromedp/chromedp"
)

// Layout is what a phone or desktop reader sees of a page, measured in the
// browser: how wide it scrolls, the visible text set under MinTextPx, and
// the percentages below −100 % anywhere in its visible text (an interval or
// change of a non-negative quantity never goes there).
type Layout struct {
	Viewport  int      `json:"viewport"`  // window.innerWidth
	Width     int      `json:"width"`     // document.documentElement.scrollWidth
	Overflow  string   `json:"overflow"`  // the element reaching furthest right, when Width > Viewport
	SmallText []string `json:"smallText"` // "10px: text…" for each visible text node under MinTextPx
	BelowMin  []string `json:"belowMin"`  // "−140.3%" for each percentage below −100 %
}

// MinTextPx is the smallest text a report or e-mail may show (CSS px).
const MinTextPx = 11

var layoutJS = `(function (min) {
  var out = { viewport: window.innerWidth, width: document.documentElement.scrollWidth, overflow: "", smallText: [], belowMin: [] };
  if (out.width > out.viewport) {
    var best = null, right = 0;
    document.querySelectorAll("body *").forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (r.right > right && r.width > 0) { right = r.right; best = e; }
    });
    if (best) { out.overflow = best.tagName + "." + best.className + " to " + Math.round(right) + " px: " + (best.textContent || "").trim().slice(0, 60); }
  }
  var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var seen = 0;
  while (walk.nextNode()) {
    var n = walk.currentNode, text = n.textContent.trim();
    if (!text) { continue; }
    var e = n.parentElement;
    if (!e || !e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) { continue; }
    var range = document.createRange();
    range.selectNodeContents(n);
    var r = range.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) { continue; }
    var size = parseFloat(getComputedStyle(e).fontSize);
    if (size < min && seen++ < 20) { out.smallText.push(size + "px: " + text.slice(0, 50)); }
    var re = /[−-](\d+(?:[.,]\d+)?)\s?%/g, m;
    while ((m = re.exec(text)) !== null) {
      if (parseFloat(m[1].replace(",", "")) > 100) { out.belowMin.push(m[0]); }
    }
  }
  return out;
})(` + strconv.Itoa(MinTextPx) + `)`

// MeasureLayout measures the page open in ctx.
func MeasureLayout(ctx context.Context) (Layout, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[Layout](layoutJS))
}
