package email

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/postlive/postlive/reports"
)

// part is one node of a parsed MIME tree.
type part struct {
	Type     string // media type, lower case
	Params   map[string]string
	Header   map[string][]string
	Body     []byte // decoded (leaves only)
	Children []*part
}

// parseMIME parses a message with net/mail and mime/multipart, decoding
// quoted-printable and base64 leaves.
func parseMIME(t testing.TB, raw []byte) (*mail.Message, *part) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a message: %v", err)
	}
	root := parsePart(t, map[string][]string(msg.Header), msg.Body)
	return msg, root
}

func parsePart(t testing.TB, h map[string][]string, body io.Reader) *part {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	mt, params, err := mime.ParseMediaType(get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", get("Content-Type"), err)
	}
	p := &part{Type: mt, Params: params, Header: h}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			np, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", mt, err)
			}
			p.Children = append(p.Children, parsePart(t, map[string][]string(np.Header), np))
		}
		return p
	}
	var dec io.Reader = body
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		dec = quotedprintable.NewReader(body)
	case "base64":
		dec = base64.NewDecoder(base64.StdEncoding, body)
	}
	if p.Body, err = io.ReadAll(dec); err != nil {
		t.Fatalf("%s body: %v", mt, err)
	}
	return p
}

// shape writes the tree as "multipart/mixed(multipart/related(…),text/html)".
func (p *part) shape() string {
	if len(p.Children) == 0 {
		return p.Type
	}
	var kids []string
	for _, c := range p.Children {
		kids = append(kids, c.shape())
	}
	return p.Type + "(" + strings.Join(kids, ",") + ")"
}

func (p *part) header(k string) string {
	if v := p.Header[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// walk visits every leaf.
func (p *part) walk(f func(*part)) {
	if len(p.Children) == 0 {
		f(p)
	}
	for _, c := range p.Children {
		c.walk(f)
	}
}

var cidRef = regexp.MustCompile(`src="cid:([^"]+)"`)

// TestComposeMessage composes ana's message from the fixture and checks it as
// a mail client would read it: the MIME tree, every cid: resolving to a PNG
// that decodes, the attachments byte-identical to the full reports, the
// numbers (hand-computed below), escaping, headers from the injected clock.
func TestComposeMessage(t *testing.T) {
	db := newWarehouse(t, testStreams)
	streams := loadStreams(t, db)
	opt := testOptions()
	batches, unaddressed, upToDate, _ := Pending(streams.All(), newLog(t), opt)
	if len(batches) != 2 || batches[0].Affiliate != "ana" || batches[1].Affiliate != "ben" || upToDate != 0 {
		t.Fatalf("Pending = %+v, up to date %d; want batches for ana and ben", batches, upToDate)
	}
	if len(unaddressed) != 1 || unaddressed[0] != (Unaddressed{Affiliate: "cleo", Streams: 1}) {
		t.Errorf("unaddressed = %+v; want cleo with 1 stream", unaddressed)
	}
	m, err := Compose(batches[0], streams, opt)
	if err != nil {
		t.Fatal(err)
	}
	msg, root := parseMIME(t, m.Raw)

	// go-mail's tree: mixed → related → (alternative(text, html), PNG per
	// stream with minutes), then one attachment per stream.
	want := "multipart/mixed(multipart/related(multipart/alternative(text/plain,text/html),image/png,image/png),text/html,text/html)"
	if got := root.shape(); got != want {
		t.Fatalf("MIME tree = %s\nwant        %s", got, want)
	}
	related := root.Children[0]
	alt := related.Children[0]
	text, html := string(alt.Children[0].Body), string(alt.Children[1].Body)

	for k, w := range map[string]string{
		"Subject":        "2 stream reports, 2 Nov 2026 – 5 Nov 2026",
		"Date":           "Sat, 21 Nov 2026 03:00:00 +0000",
		"Message-Id":     m.MessageID,
		"Auto-Submitted": "auto-generated",
	} {
		got := msg.Header.Get(k)
		if k == "Subject" {
			got, _ = new(mime.WordDecoder).DecodeHeader(got)
		}
		if got != w {
			t.Errorf("%s = %q; want %q", k, got, w)
		}
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Address != "ana@example.com" || to[1].Address != "agent@example.org" {
		t.Errorf("To = %v, %v", to, err)
	}
	if !strings.HasPrefix(m.MessageID, "<20261121T030000Z.") || !strings.HasSuffix(m.MessageID, "@example.com>") {
		t.Errorf("Message-ID %q does not come from the clock and the sender's domain", m.MessageID)
	}

	// Every cid: in the HTML names a PNG part of the related part, which decodes
	// to the chart's size (2 device pixels per CSS pixel).
	pngs := map[string][]byte{}
	for _, c := range related.Children[1:] {
		pngs[strings.Trim(c.header("Content-Id"), "<>")] = c.Body
		if !strings.HasPrefix(c.header("Content-Disposition"), "inline") {
			t.Errorf("image part disposition %q; want inline", c.header("Content-Disposition"))
		}
	}
	refs := cidRef.FindAllStringSubmatch(html, -1)
	if len(refs) != 2 {
		t.Fatalf("HTML references %d cid: images; want 2 (s1 and s2 have minutes)", len(refs))
	}
	for _, r := range refs {
		b, ok := pngs[r[1]]
		if !ok {
			t.Errorf("cid:%s resolves to no part (parts: %v)", r[1], keys(pngs))
			continue
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Errorf("cid:%s is not a PNG: %v", r[1], err)
			continue
		}
		if sz := img.Bounds().Size(); sz.X != 2*ChartWidth || sz.Y != 2*ChartHeight {
			t.Errorf("chart is %v px; want %dx%d", sz, 2*ChartWidth, 2*ChartHeight)
		}
	}

	// Attachments: the reports, newest first, without the chart library.
	for i, id := range []string{"s2", "s1"} {
		a := root.Children[1+i]
		page, err := streams.Attachment(id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Body, page) {
			t.Errorf("attachment %d is not the report of %s", i, id)
		}
		if d := a.header("Content-Disposition"); !strings.Contains(d, "attachment") || !strings.Contains(d, "stream-"+id+".html") {
			t.Errorf("attachment %d disposition %q", i, d)
		}
	}

	// The whole message within MaxMessageBytes: no chart library attached.
	if len(m.Raw) > MaxMessageBytes || bytes.Contains(m.Raw, []byte("echarts")) {
		t.Errorf("message is %d bytes (bound %d), chart library attached: %v", len(m.Raw), MaxMessageBytes, bytes.Contains(m.Raw, []byte("echarts")))
	}
	t.Logf("message of 2 streams: %d bytes", len(m.Raw))

	// The body: no script, markup from the data escaped, within the size bound.
	if strings.Contains(strings.ToLower(html), "<script") {
		t.Error("the HTML body contains a script element")
	}
	if !strings.Contains(html, "Winter &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;coats&#34;") {
		t.Error("s2's title is not escaped in the HTML body")
	}
	// go-mail's quoted-printable writes line ends as CRLF.
	if len(html) > MaxHTMLBytes || m.HTMLBytes != len(strings.ReplaceAll(html, "\r\n", "\n")) {
		t.Errorf("HTML body %d bytes (reported %d); want at most %d", len(html), m.HTMLBytes, MaxHTMLBytes)
	}
	if !strings.Contains(html, `width="600"`) || !strings.Contains(html, "max-width:600px") {
		t.Error("the body is not a 600 px table layout")
	}

	// Hand-computed, s2 against s1 (ana's one earlier stream on TikTok): one
	// stream is too few to judge (3 are needed), so no arrow, only the
	// median: viewers 1,000, revenue $500.00, RPV 500/1000 = $0.50, CTR
	// 100/1000 = 10.0 %, CPA 40/10 = $4.00.
	if want := "Too early to judge: 1 earlier stream on TikTok before this one, and 3 are needed.\r\n"; !strings.HasPrefix(text, want) {
		t.Errorf("text body starts %q; want the verdict %q", text[:min(len(text), 120)], want)
	}
	for _, w := range []string{
		"Hi Ana Ruiz, here are the reports of your 2 latest streams",
		"Viewers      1,500        median of 1 earlier: 1,000 (3 needed to judge)",
		"Revenue      $900.00      median of 1 earlier: $500.00 (3 needed to judge)",
		"RPV          $0.60        median of 1 earlier: $0.50 (3 needed to judge)",
		"CTR          10.0%        median of 1 earlier: 10.0% (3 needed to judge)",
		"CPA          $4.00        median of 1 earlier: $4.00 (3 needed to judge)",
		// Drops: COATS20 sold out 13:30 − 10:00 = 3 min 30 s after it opened.
		"COATS20: 10:00–15:00 into the stream (19:10–19:15 UTC)",
		"redeemed 6 of 5, sell-through 100.0%, after 3 min 30 s, revenue $300.00",
		"SCARF10: 25:00–30:00 into the stream (19:25–19:30 UTC)",
		"redeemed 2, sell-through —, no quantity limit, revenue $110.50",
		"03:00  engagement", "12:00  engagement", "27:00  engagement",
		"Every number of this stream is in the attached stream-s2.html.",
		"Numbers as of 20 Nov 2026, 06:00 UTC",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("text body lacks %q", w)
		}
	}
	// html/template writes "+" as "&#43;".
	for _, w := range []string{">$900.00<", ">1,500<", "median of 1 earlier: $500.00 (3 needed to judge)", "stream-s1.html"} {
		if !strings.Contains(html, w) {
			t.Errorf("HTML body lacks %q", w)
		}
	}

	// The same batch at the same time gives the same bytes.
	again, err := Compose(batches[0], streams, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Raw, m.Raw) {
		t.Error("composing the same message twice gave different bytes")
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestComposeHeaderInjection: ben's title carries a line break and a header;
// the subject stays one line and no Bcc header appears.
func TestComposeHeaderInjection(t *testing.T) {
	db := newWarehouse(t, testStreams)
	streams := loadStreams(t, db)
	opt := testOptions()
	opt.Affiliates = []string{"ben"}
	batches, _, _, _ := Pending(streams.All(), newLog(t), opt)
	if len(batches) != 1 {
		t.Fatalf("batches = %+v", batches)
	}
	m, err := Compose(batches[0], streams, opt)
	if err != nil {
		t.Fatal(err)
	}
	msg, root := parseMIME(t, m.Raw)
	if msg.Header.Get("Bcc") != "" {
		t.Fatal("a title injected a Bcc header")
	}
	if got := msg.Header.Get("Subject"); got != "Stream report: Q&A Bcc: victim@example.com (4 Nov 2026)" {
		t.Errorf("Subject = %q", got)
	}
	// s3 has no minutes: no image, so no related part, and the body says so.
	if got := root.shape(); got != "multipart/mixed(multipart/alternative(text/plain,text/html),text/html)" {
		t.Fatalf("MIME tree = %s", got)
	}
	html := string(root.Children[0].Children[1].Body)
	if !strings.Contains(html, "No per-minute data for this stream.") || strings.Contains(html, "cid:") {
		t.Error("a stream without minutes should have no chart")
	}
	if !strings.Contains(html, "Hi ben,") {
		t.Error("without a host name or a display name the greeting uses the affiliate id")
	}
}

// TestSubjects covers the subject of each mix of statuses.
func TestSubjects(t *testing.T) {
	item := func(title, date, status string) Item {
		return Item{Stream: streamWith(title, date), Status: status}
	}
	for _, tc := range []struct {
		items []Item
		want  string
	}{
		{[]Item{item("Glow", "2 Nov 2026", StatusNew)}, "Stream report: Glow (2 Nov 2026)"},
		{[]Item{item("Glow", "2 Nov 2026", StatusUpdated)}, "Updated: stream report for Glow (2 Nov 2026)"},
		{[]Item{item("Glow", "2 Nov 2026", StatusResent)}, "Stream report: Glow (2 Nov 2026)"},
		{[]Item{item("B", "5 Nov 2026", StatusNew), item("A", "2 Nov 2026", StatusNew)}, "2 stream reports, 2 Nov 2026 – 5 Nov 2026"},
		{[]Item{item("B", "5 Nov 2026", StatusUpdated), item("A", "5 Nov 2026", StatusUpdated)}, "Updated: 2 stream reports, 5 Nov 2026"},
		{[]Item{item("C", "9 Nov 2026", StatusNew), item("B", "5 Nov 2026", StatusUpdated), item("A", "2 Nov 2026", StatusNew)}, "3 stream reports (1 updated), 2 Nov 2026 – 9 Nov 2026"},
		{[]Item{item(strings.Repeat("x", 100), "2 Nov 2026", StatusNew)}, "Stream report: " + strings.Repeat("x", 79) + "… (2 Nov 2026)"},
	} {
		if got := subject(Batch{Items: tc.items}); got != tc.want {
			t.Errorf("subject(%d items) = %q; want %q", len(tc.items), got, tc.want)
		}
	}
}

func streamWith(title, date string) reports.Stream {
	return reports.Stream{Title: title, Date: date}
}

// newLog is an empty sent-log in a fresh folder.
func newLog(t testing.TB) *SentLog {
	t.Helper()
	l, err := OpenSentLog(filepath.Join(t.TempDir(), ".postlive", "sent-log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestComposeSizeBound: with more streams than fit in MaxHTMLBytes, the
// oldest are left for the next message.
func TestComposeSizeBound(t *testing.T) {
	var many []testStream
	for i := 0; i < 30; i++ {
		many = append(many, testStream{fmt.Sprintf("x%02d", i), "ana", "Ana Ruiz", fmt.Sprintf("Stream number %d", i),
			fmt.Sprintf("2026-10-%02dT19:00:00Z", i+1), 10, 1000, 100, 10, 500, 0, false})
	}
	db := newWarehouse(t, many)
	streams := loadStreams(t, db)
	opt := testOptions()
	opt.MaxStreams = 0
	batches, _, _, _ := Pending(streams.All(), newLog(t), opt)
	m, err := Compose(batches[0], streams, opt)
	if err != nil {
		t.Fatal(err)
	}
	if m.HTMLBytes > MaxHTMLBytes || len(m.Items)+m.Deferred != 30 || m.Deferred == 0 {
		t.Fatalf("%d streams, %d deferred, HTML %d bytes; want all 30 accounted for, some deferred, ≤ %d", len(m.Items), m.Deferred, m.HTMLBytes, MaxHTMLBytes)
	}
	if m.Items[0].Stream.ID != "x29" {
		t.Errorf("the newest stream must be kept, got %s first", m.Items[0].Stream.ID)
	}
	_, root := parseMIME(t, m.Raw)
	html := string(root.Children[0].Children[1].Body)
	if !strings.Contains(html, fmt.Sprintf("%d more reports follow in the next e-mail.", m.Deferred)) {
		t.Error("the body does not say that more reports follow")
	}
}
