package email

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/postlive/postlive/reports"
)

// runs lists the [start, end) column ranges where any pixel of the column
// satisfies is.
func runs(img image.Image, is func(r, g, b uint32) bool) [][2]int {
	var out [][2]int
	b := img.Bounds()
	in := false
	for x := b.Min.X; x < b.Max.X; x++ {
		hit := false
		for y := b.Min.Y; y < b.Max.Y && !hit; y++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			hit = is(r>>8, g>>8, bl>>8)
		}
		switch {
		case hit && !in:
			out = append(out, [2]int{x, x + 1})
			in = true
		case hit:
			out[len(out)-1][1] = x + 1
		default:
			in = false
		}
	}
	return out
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestMinuteChart draws s2 (40 minutes, drops at 10:00–15:00 and 25:00–30:00,
// peaks at minutes 3, 12 and 27) and measures the PNG: the shaded columns must
// sit where the windows are, and the peak marks where the peaks are.
func TestMinuteChart(t *testing.T) {
	db := newWarehouse(t, testStreams)
	s2 := streamByID(t, loadStreams(t, db), "s2")
	b, ok, err := MinuteChart(s2)
	if err != nil || !ok {
		t.Fatalf("MinuteChart = %v, %v", ok, err)
	}
	again, _, _ := MinuteChart(s2)
	if !bytes.Equal(b, again) {
		t.Fatal("the same minutes gave different PNG bytes")
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if sz := img.Bounds().Size(); sz.X != 720 || sz.Y != 600 {
		t.Fatalf("chart is %v; want 720x600 (360x300 CSS px at 2x)", sz)
	}
	if dir := os.Getenv("POSTLIVE_ARTIFACTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "email-minute-chart.png"), b, 0o644)
	}

	// The drop fill, rgba(245, 176, 0, 64/255) over white, is about
	// (252, 235, 191). Its legend swatch sits in the top strip; the windows
	// are the two runs below it.
	shade := func(r, g, b uint32) bool {
		return near(float64(r), 252, 3) && near(float64(g), 235, 3) && near(float64(b), 191, 4)
	}
	belowLegend := img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(image.Rect(0, 72, 720, 600))
	w := runs(belowLegend, shade)
	if len(w) != 2 {
		t.Fatalf("shaded column runs = %v; want the two drop windows", w)
	}
	w1, w2 := float64(w[0][1]-w[0][0]), float64(w[1][1]-w[1][0])
	// Both windows last 5 minutes: equal widths. From the end of the first
	// (15:00) to the start of the second (25:00) is 10 minutes: twice a width.
	if !near(w1, w2, 2) {
		t.Errorf("window widths %v and %v px; want equal (5 minutes each)", w1, w2)
	}
	gap := float64(w[1][0] - w[0][1])
	if !near(gap, 2*w1, 3) {
		t.Errorf("gap between the windows %v px; want 2 × %v (10 minutes against 5)", gap, w1)
	}
	// Scale: 5 minutes = w1 px, and the first window starts at minute 10.
	perMin := (w1 + w2) / 10
	x0 := float64(w[0][0]) - 10*perMin
	// The 40 minutes span the data area: 40 × perMin px, well inside the image.
	if span := 40 * perMin; span < 520 || span > 720 {
		t.Errorf("40 minutes span %v px; want most of the 720 px width", span)
	}

	// Peak marks (#a33b00) above the viewers line at minutes 3, 12 and 27,
	// drawn at the middle of the minute: x0 + (m + 0.5) × perMin.
	peak := func(r, g, b uint32) bool {
		return near(float64(r), 0xa3, 12) && near(float64(g), 0x3b, 12) && near(float64(b), 0, 12)
	}
	marks := runs(belowLegend, peak)
	for _, m := range []float64{3, 12, 27} {
		want := x0 + (m+0.5)*perMin
		found := false
		for _, r := range marks {
			if float64(r[0])-4 <= want && want <= float64(r[1])+4 {
				found = true
			}
		}
		if !found {
			t.Errorf("no peak mark near x = %.0f (minute %v); marks at %v", want, m, marks)
		}
	}

	// Nothing to draw without minutes.
	if _, ok, err := MinuteChart(reports.Stream{ID: "empty"}); ok || err != nil {
		t.Errorf("a stream without minutes: ok=%v err=%v; want no chart", ok, err)
	}
}

func TestTickStep(t *testing.T) {
	for _, tc := range []struct{ max, want float64 }{
		{0, 1}, {4, 1}, {5, 1}, {6, 2}, {10, 2}, {11, 5}, {25, 5}, {26, 10}, {1950, 500}, {2600, 1000},
	} {
		if got := tickStep(tc.max); got != tc.want {
			t.Errorf("tickStep(%v) = %v; want %v", tc.max, got, tc.want)
		}
	}
	if got := groupThousands(1234567); got != "1,234,567" {
		t.Errorf("groupThousands = %q", got)
	}
}
