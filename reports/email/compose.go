package email

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"regexp"
	"sort"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"github.com/postlive/postlive/reports"
)

// MaxHTMLBytes bounds the HTML body of a message: Gmail clips a message whose
// HTML passes about 102 KB, so a message stays under 100 KB by carrying fewer
// streams (the rest wait for the next message).
const MaxHTMLBytes = 100 * 1024

// MaxMessageBytes bounds a whole message, attachments and images included
// (most affiliates read on a phone, often on mobile data): a message that
// would pass it carries fewer streams, the rest wait for the next message.
const MaxMessageBytes = 1 << 20

// chartMaxWidth is the widest the chart is shown (CSS px) on a wide screen;
// on a phone it fills the column (ChartWidth, its design width).
const chartMaxWidth = 540

// maxDropsShown is how many drops a stream's section lists; the attached
// report has them all.
const maxDropsShown = 8

// Status says why a stream is in a message.
const (
	StatusNew     = "new"     // never sent to this affiliate
	StatusUpdated = "updated" // sent before, and its report has changed since
	StatusResent  = "resent"  // sent before, unchanged, sent again on request (--resend)
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

var (
	htmlTemplate = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/body.html.tmpl", "templates/statement.html.tmpl"))
	textTemplate = texttemplate.Must(texttemplate.New("body.txt.tmpl").Funcs(texttemplate.FuncMap{
		"rule": func(s string) string { return strings.Repeat("=", min(utf8.RuneCountInString(s), 72)) },
		"pad": func(s string, n int) string {
			if k := utf8.RuneCountInString(s); k < n {
				return s + strings.Repeat(" ", n-k)
			}
			return s
		},
	}).ParseFS(templateFiles, "templates/body.txt.tmpl", "templates/statement.txt.tmpl"))
)

// Options configures Pending and Compose.
type Options struct {
	// From is the sender, e.g. "postlive <reports@example.com>".
	From string
	// To maps an affiliate id to the addresses that receive its reports.
	To map[string][]string
	// MaxStreams bounds the streams per message (newest first); the others
	// wait for the next message. 0 means no bound.
	MaxStreams int
	// Affiliates, when not empty, limits the messages to these affiliates.
	Affiliates []string
	// Resend includes streams already sent and unchanged (status resent).
	Resend bool
	// Now stamps the Date header and goes into the Message-ID.
	Now time.Time
	// AsOf is when the data is from (the newest import), shown in the footer.
	AsOf time.Time
}

// Item is one stream in a message.
type Item struct {
	Stream      reports.Stream
	Status      string // StatusNew, StatusUpdated or StatusResent
	Fingerprint string
	FirstSent   time.Time // when it was first sent to the affiliate (zero for new)
}

// Batch is what one affiliate is due: the streams of one message, newest first.
type Batch struct {
	Affiliate string
	To        []string
	Items     []Item
	// Deferred counts due streams left for the next message (MaxStreams, or
	// the size bound of the HTML body).
	Deferred int
	// Statement, when set, is the affiliate's creator statement: a section
	// of the body (the money by state, the next payout) and its page attached.
	Statement *reports.Statement
}

// Unaddressed is an affiliate with due streams and no address in the
// configuration: nothing is sent to it.
type Unaddressed struct {
	Affiliate string
	Streams   int
}

// Pending decides, from the stream reports and the sent-log, what each
// affiliate with an address is due: its streams never sent, and those whose
// report changed since (Fingerprint differs from the sent-log's last entry).
// A stream with nothing new is not due: one already sent unchanged (counted
// in upToDate) and one the marts hold nothing for yet (reports.Stream
// NothingYet, counted in empty; it is due once its data arrives). Batches
// come sorted by affiliate id; affiliates without an address come back in
// unaddressed.
func Pending(streams []reports.Stream, log *SentLog, opt Options) (batches []Batch, unaddressed []Unaddressed, upToDate, empty int) {
	only := map[string]bool{}
	for _, a := range opt.Affiliates {
		only[a] = true
	}
	byAff := map[string][]Item{}
	for _, s := range streams {
		if len(only) > 0 && !only[s.AffiliateID] {
			continue
		}
		if s.NothingYet {
			empty++
			continue
		}
		it := Item{Stream: s, Status: StatusNew, Fingerprint: Fingerprint(s)}
		if e, ok := log.Last(s.AffiliateID, s.ID); ok {
			first, sent := log.FirstSent(s.AffiliateID, s.ID)
			switch {
			case e.Fingerprint == it.Fingerprint && !opt.Resend:
				upToDate++
				continue
			case !sent:
				// only marked as sent (--mark-sent): the affiliate never got it
			case e.Fingerprint != it.Fingerprint:
				it.Status, it.FirstSent = StatusUpdated, first
			default:
				it.Status, it.FirstSent = StatusResent, first
			}
		}
		byAff[s.AffiliateID] = append(byAff[s.AffiliateID], it)
	}
	affs := make([]string, 0, len(byAff))
	for a := range byAff {
		affs = append(affs, a)
	}
	sort.Strings(affs)
	for _, a := range affs {
		items := byAff[a]
		if len(opt.To[a]) == 0 {
			unaddressed = append(unaddressed, Unaddressed{Affiliate: a, Streams: len(items)})
			continue
		}
		// Newest first: streams came sorted by start, then id.
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
		b := Batch{Affiliate: a, To: opt.To[a], Items: items}
		if opt.MaxStreams > 0 && len(items) > opt.MaxStreams {
			b.Items, b.Deferred = items[:opt.MaxStreams], len(items)-opt.MaxStreams
		}
		batches = append(batches, b)
	}
	return batches, unaddressed, upToDate, empty
}

// Fingerprint names the content of a stream's report as a reader sees it:
// title, times, the KPI values, every minute, the moments and the drops, as
// formatted. It leaves out what moves with other streams (the change against
// the host's previous streams, the experiment verdict) and the clock, so it
// changes when the stream's own numbers change — a late order, a refund, a
// corrected export — and not when another stream is added.
func Fingerprint(s reports.Stream) string {
	h := sha256.New()
	line := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		h.Write([]byte{'\n'})
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	line("stream", s.ID, s.AffiliateID, s.Title, s.When, s.Duration, s.Platform, s.Merchant, s.Currency, s.ViewerBasis)
	for _, t := range s.Tiles {
		line("tile", t.Label, t.Value, t.Note)
	}
	for _, m := range s.Minutes {
		line("minute", m.Clock, num(m.Viewers), num(m.Clicks), num(m.Orders), strconv.FormatBool(m.InDrop), strconv.FormatBool(m.IsPeak))
	}
	for _, m := range s.Moments {
		line("moment", m.Clock, m.Engagement, m.Viewers, m.Likes, m.Clicks)
	}
	for _, d := range s.Drops {
		line("drop", d.ID, d.Name, d.Window, d.Limit, d.Redeemed, d.SellThrough, d.SoldOut, d.Before, d.After, d.Over, d.Bonus, d.Revenue)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Pages gives the report of a stream to attach (reports.Streams does): the
// HTML report without the chart library, its charts as tables.
type Pages interface {
	Attachment(id string) ([]byte, error)
}

// Message is one composed e-mail: its batch, subject and the bytes of the
// message as sent and as written to an .eml file.
type Message struct {
	Batch
	From      string
	Subject   string
	MessageID string
	HTMLBytes int // size of the HTML body (before transfer encoding)
	TextBytes int // size of the plain-text body
	Raw       []byte
	// envelope sender (the address of From)
	sender string
}

// Compose writes the message of batch b: an HTML body (inline CSS, one
// column, at most 600 px wide, no script) that opens with the newest
// stream's verdict in one sentence, with the KPIs against the host's usual
// range and each stream's per-minute chart as a PNG part referenced by cid:,
// a plain-text alternative, and each stream's report attached without the
// chart library (Pages.Attachment). When the HTML body would pass
// MaxHTMLBytes or the message MaxMessageBytes, the oldest streams are left
// out (counted in Deferred) until it fits.
func Compose(b Batch, pages Pages, opt Options) (*Message, error) {
	from, err := mail.ParseAddress(opt.From)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", opt.From, err)
	}
	if len(b.Items) == 0 {
		return nil, errors.New("compose: no streams to send")
	}
	charts := map[string]chartPNG{} // drawn once per stream, whatever the fit takes
	for {
		r, err := render(b, opt, from, charts)
		if err != nil {
			return nil, err
		}
		if r.html.Len() <= MaxHTMLBytes || len(b.Items) == 1 {
			if r.html.Len() > MaxHTMLBytes {
				return nil, fmt.Errorf("the e-mail of stream %s has a %d-byte HTML body, more than %d", b.Items[0].Stream.ID, r.html.Len(), MaxHTMLBytes)
			}
			m, err := assemble(b, r, pages, opt, from)
			if err != nil {
				return nil, err
			}
			if len(m.Raw) <= MaxMessageBytes {
				return m, nil
			}
			if len(b.Items) == 1 {
				return nil, fmt.Errorf("the e-mail of stream %s has %d bytes, more than %d", b.Items[0].Stream.ID, len(m.Raw), MaxMessageBytes)
			}
		}
		b.Items = b.Items[:len(b.Items)-1]
		b.Deferred++
	}
}

type chartPNG struct {
	data []byte
	ok   bool
}

type streamSection struct {
	reports.Stream
	Status    string
	FirstSent string
	ChartCID  htmltemplate.URL
	ChartAlt  string
	DropsMore int
}

type body struct {
	Subject, Preheader, Name, Intro string
	Affiliate, AsOf                 string
	Deferred                        int
	ChartWidth, ChartHeight         int
	Streams                         []streamSection
	// Lead is the first line: the newest stream's verdict in one sentence.
	Lead          string
	ChartMaxWidth int
	Statement     *reports.Statement
}

// rendered is a message's bodies and images before MIME assembly.
type rendered struct {
	id, subject string
	html, text  bytes.Buffer
	images      []inlineImage
}

type inlineImage struct {
	name, cid string
	data      []byte
}

// render writes the HTML and text bodies of b; charts caches the PNG of each
// stream.
func render(b Batch, opt Options, from *mail.Address, charts map[string]chartPNG) (*rendered, error) {
	r := &rendered{id: messageID(b, opt.Now, from.Address)}
	// Content ids and part names derive from the message id and the position,
	// never from data.
	tag := strings.SplitN(r.id, "@", 2)[0]
	v := body{
		Affiliate: b.Affiliate, Name: greetingName(b),
		AsOf: opt.AsOf.UTC().Format("2 Jan 2006, 15:04 UTC"), Deferred: b.Deferred,
		ChartWidth: ChartWidth, ChartHeight: ChartHeight, Statement: b.Statement,
	}
	v.Subject = subject(b)
	v.Intro = intro(b)
	v.Lead = b.Items[0].Stream.Summary
	v.Preheader = preheader(b.Items[0].Stream)
	v.ChartMaxWidth = chartMaxWidth
	r.subject = v.Subject
	for i, it := range b.Items {
		s := it.Stream
		sec := streamSection{Stream: s, Status: it.Status}
		if !it.FirstSent.IsZero() {
			sec.FirstSent = it.FirstSent.UTC().Format("2 Jan 2006")
		}
		if len(s.Drops) > maxDropsShown {
			sec.Drops, sec.DropsMore = s.Drops[:maxDropsShown], len(s.Drops)-maxDropsShown
		}
		c, done := charts[s.ID]
		if !done {
			data, ok, err := MinuteChart(s)
			if err != nil {
				return nil, fmt.Errorf("chart of stream %s: %w", s.ID, err)
			}
			c = chartPNG{data: data, ok: ok}
			charts[s.ID] = c
		}
		if c.ok {
			cid := fmt.Sprintf("minutes-%d.%s@postlive", i+1, tag)
			r.images = append(r.images, inlineImage{name: fmt.Sprintf("minutes-%d.png", i+1), cid: cid, data: c.data})
			sec.ChartCID = htmltemplate.URL("cid:" + cid)
			sec.ChartAlt = chartAlt(s)
		}
		v.Streams = append(v.Streams, sec)
	}
	if err := htmlTemplate.Execute(&r.html, v); err != nil {
		return nil, fmt.Errorf("render html body: %w", err)
	}
	if err := textTemplate.Execute(&r.text, v); err != nil {
		return nil, fmt.Errorf("render text body: %w", err)
	}
	return r, nil
}

// assemble builds the MIME message of b from its rendered bodies.
func assemble(b Batch, r *rendered, pages Pages, opt Options, from *mail.Address) (*Message, error) {
	id := r.id
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	if err := msg.To(b.To...); err != nil {
		return nil, fmt.Errorf("recipients of %s: %w", b.Affiliate, err)
	}
	msg.Subject(r.subject)
	msg.SetDateWithValue(opt.Now)
	msg.SetMessageIDWithValue(id)
	msg.SetUserAgent("postlive")
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated") // RFC 3834: no auto-replies
	msg.SetBodyString(gomail.TypeTextPlain, r.text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, r.html.String())
	for _, c := range r.images {
		if err := msg.EmbedReader(c.name, bytes.NewReader(c.data), gomail.WithFileContentID("<"+c.cid+">"),
			gomail.WithFileContentType("image/png")); err != nil {
			return nil, err
		}
	}
	for _, it := range b.Items {
		page, err := pages.Attachment(it.Stream.ID)
		if err != nil {
			return nil, err
		}
		if err := msg.AttachReader(it.Stream.File, bytes.NewReader(page), gomail.WithFileContentType("text/html; charset=utf-8")); err != nil {
			return nil, err
		}
	}
	if st := b.Statement; st != nil {
		if err := msg.AttachReader(st.File, bytes.NewReader(st.Page), gomail.WithFileContentType("text/html; charset=utf-8")); err != nil {
			return nil, err
		}
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	return &Message{Batch: b, From: from.String(), Subject: r.subject, MessageID: "<" + id + ">",
		HTMLBytes: r.html.Len(), TextBytes: r.text.Len(), Raw: fixBoundaries(raw.Bytes(), id), sender: from.Address}, nil
}

// messageID is <time>.<hash of what is sent>@<sender's domain>: the same
// message composed at the same time gets the same id.
func messageID(b Batch, now time.Time, sender string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", b.Affiliate, strings.Join(b.To, ","))
	for _, it := range b.Items {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", it.Stream.ID, it.Status, it.Fingerprint)
	}
	domain := "postlive.invalid"
	if i := strings.LastIndexByte(sender, '@'); i >= 0 && i < len(sender)-1 {
		domain = sender[i+1:]
	}
	return now.UTC().Format("20060102T150405Z") + "." + hex.EncodeToString(h.Sum(nil))[:20] + "@" + domain
}

var boundaryParam = regexp.MustCompile(`multipart/[a-z]+;\r\n boundary=([^\r\n;"]+)`)

// fixBoundaries replaces the random MIME boundaries go-mail draws with ones
// derived from the message id, so the same message gives the same bytes (and
// .eml files are reproducible). A derived boundary that occurs in the message
// already would be ambiguous: then the message is left as it is.
func fixBoundaries(raw []byte, id string) []byte {
	out := raw
	for i, m := range boundaryParam.FindAllSubmatch(raw, -1) {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", id, i)))
		nb := []byte("postlive-" + hex.EncodeToString(sum[:12]))
		if bytes.Contains(raw, nb) {
			return raw
		}
		out = bytes.ReplaceAll(out, m[1], nb)
	}
	return out
}

// oneLine keeps a header value on one line: control characters become spaces.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsControl(r) }), " ")
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func subject(b Batch) string {
	updated := 0
	for _, it := range b.Items {
		if it.Status == StatusUpdated {
			updated++
		}
	}
	if len(b.Items) == 1 {
		s := b.Items[0].Stream
		what := clip(oneLine(s.Title), 80) + " (" + s.Date + ")"
		if updated == 1 {
			return "Updated: stream report for " + what
		}
		return "Stream report: " + what
	}
	oldest, newest := b.Items[len(b.Items)-1].Stream.Date, b.Items[0].Stream.Date
	span := oldest
	if newest != oldest {
		span = oldest + " – " + newest
	}
	n := strconv.Itoa(len(b.Items))
	switch {
	case updated == len(b.Items):
		return "Updated: " + n + " stream reports, " + span
	case updated > 0:
		return n + " stream reports (" + strconv.Itoa(updated) + " updated), " + span
	}
	return n + " stream reports, " + span
}

func intro(b Batch) string {
	var fresh, updated, resent int
	for _, it := range b.Items {
		switch it.Status {
		case StatusUpdated:
			updated++
		case StatusResent:
			resent++
		default:
			fresh++
		}
	}
	var parts []string
	if fresh > 0 {
		parts = append(parts, plural(fresh, "the report of your latest stream", "the reports of your "+strconv.Itoa(fresh)+" latest streams"))
	}
	if updated > 0 {
		parts = append(parts, plural(updated, "an updated report of a stream whose numbers changed after we sent it", strconv.Itoa(updated)+" updated reports of streams whose numbers changed after we sent them"))
	}
	if resent > 0 {
		parts = append(parts, plural(resent, "a report sent again on request", strconv.Itoa(resent)+" reports sent again on request"))
	}
	s := "here is " + strings.Join(parts, ", and ")
	if len(b.Items) > 1 {
		s = "here are " + strings.Join(parts, ", and ")
	}
	return s + ": the numbers that matter first, every number in the attached copy."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func preheader(s reports.Stream) string {
	parts := []string{s.Title}
	for _, t := range s.Tiles {
		switch t.Label {
		case "Viewers", "Orders", "Revenue":
			parts = append(parts, strings.ToLower(t.Label)+" "+t.Value)
		}
	}
	return strings.Join(parts, " · ")
}

func chartAlt(s reports.Stream) string {
	alt := "Viewers, clicks and orders per minute of " + s.Title
	var drops []string
	for _, d := range s.Drops {
		drops = append(drops, d.Name)
	}
	if len(drops) > 0 {
		alt += "; shaded: drop windows " + strings.Join(drops, ", ")
	}
	var peaks []string
	for _, m := range s.Moments {
		peaks = append(peaks, m.Clock)
	}
	if len(peaks) > 0 {
		alt += "; marked: peak moments at " + strings.Join(peaks, ", ")
	}
	return alt + "."
}

// greetingName is the host's name from the newest stream, else the display
// name of the first address, else the affiliate id.
func greetingName(b Batch) string {
	if h := b.Items[0].Stream.Host; h != "" && h != b.Affiliate {
		return h
	}
	if len(b.To) > 0 {
		if a, err := mail.ParseAddress(b.To[0]); err == nil && a.Name != "" {
			return a.Name
		}
	}
	return b.Affiliate
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
