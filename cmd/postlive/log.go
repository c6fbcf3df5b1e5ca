package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/postlive/postlive/escape"
)

// Logs are postlive's "what happened" channel, on stderr: files imported with
// their rows and durations, models built, reports written, the lock. The
// per-file import lines and the run summary on stdout are the product's
// output and stay as they are. --log-format text (the default) writes one
// human-readable line per record; json writes one JSON object per line for
// Airflow, journald or a log shipper (docs/operations.md lists the records).

// logOptions are the global logging flags.
type logOptions struct {
	format string // text or json
	level  string // debug, info, warn or error
}

// newLogger builds the logger the flags ask for, writing to w. tty says
// whether w is a terminal: text lines then carry only the time of day, and
// without --log-level only warnings and errors are logged — at a terminal the
// output on stdout and the progress bars already tell what happens, and each
// imported file would be told twice. Everywhere else (cron, systemd, a pipe,
// JSON) the level defaults to info.
func newLogger(w io.Writer, o logOptions, tty bool) (*slog.Logger, error) {
	var level slog.Level
	switch strings.ToLower(o.level) {
	case "":
		level = slog.LevelInfo
		if tty && strings.ToLower(o.format) != "json" {
			level = slog.LevelWarn
		}
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, usagef("--log-level %q is not one of debug, info, warn, error", o.level)
	}
	switch strings.ToLower(o.format) {
	case "text", "":
		layout := "2006-01-02T15:04:05.000Z07:00"
		if tty {
			layout = "15:04:05"
		}
		return slog.New(&textHandler{mu: &sync.Mutex{}, w: w, level: level, layout: layout}), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: jsonAttr})), nil
	}
	return nil, usagef("--log-format %q is not one of text, json", o.format)
}

// secretKey reports whether an attribute's key names a secret (a password,
// the PII salt, a token): its value is never written. Nothing logs the
// configuration wholesale either; this is the second line of defence.
func secretKey(key string) bool {
	k := strings.ToLower(key)
	if i := strings.LastIndexAny(k, "._"); i >= 0 && k[i+1:] == "salt" {
		return true
	}
	for _, s := range []string{"password", "passwd", "secret", "token", "api_key", "apikey"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return k == "salt"
}

const redacted = "[redacted]"

// jsonAttr adapts attributes for the JSON handler: secrets redacted,
// durations as seconds (a number, to the millisecond) rather than nanoseconds.
func jsonAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.TimeKey:
			a.Value = slog.StringValue(a.Value.Time().UTC().Format(time.RFC3339Nano))
			return a
		case slog.LevelKey, slog.MessageKey:
			return a
		}
	}
	if secretKey(a.Key) {
		return slog.String(a.Key, redacted)
	}
	if a.Value.Kind() == slog.KindDuration {
		return slog.Float64(a.Key, seconds(a.Value.Duration()))
	}
	return a
}

func seconds(d time.Duration) float64 {
	return float64(d.Round(time.Millisecond)) / float64(time.Second)
}

// textHandler writes records as
//
//	2026-11-21T03:14:02.118Z INFO  file imported file=inbox/clicks/clicks.csv rows=499 took=120ms
//
// — time, level, message, then key=value pairs, values quoted when they
// contain spaces or quotes. Secrets are redacted as in JSON.
type textHandler struct {
	mu     *sync.Mutex
	w      io.Writer
	level  slog.Level
	layout string
	attrs  []byte // preformatted attributes from WithAttrs
	group  string // key prefix from WithGroup, ending with "."
}

func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *textHandler) Handle(_ context.Context, r slog.Record) error {
	b := make([]byte, 0, 160)
	if !r.Time.IsZero() {
		b = r.Time.AppendFormat(b, h.layout)
		b = append(b, ' ')
	}
	lv := r.Level.String()
	b = append(b, lv...)
	b = append(b, strings.Repeat(" ", max(0, 5-len(lv)))...)
	b = append(b, ' ')
	b = append(b, escape.Terminal(r.Message)...)
	b = append(b, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		b = appendTextAttr(b, h.group, a)
		return true
	})
	b = append(b, '\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b)
	return err
}

func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append([]byte(nil), h.attrs...)
	for _, a := range as {
		h2.attrs = appendTextAttr(h2.attrs, h.group, a)
	}
	return &h2
}

func (h *textHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.group = h.group + name + "."
	return &h2
}

func appendTextAttr(b []byte, prefix string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			b = appendTextAttr(b, p, g)
		}
		return b
	}
	b = append(b, ' ')
	b = append(b, prefix...)
	b = append(b, a.Key...)
	b = append(b, '=')
	var s string
	switch {
	case secretKey(a.Key):
		s = redacted
	case a.Value.Kind() == slog.KindDuration:
		s = roundDuration(a.Value.Duration()).String()
	case a.Value.Kind() == slog.KindTime:
		s = a.Value.Time().UTC().Format(time.RFC3339)
	default:
		s = a.Value.String()
	}
	if needsQuote(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// roundDuration keeps durations readable: 1.234s, 56ms, 12µs.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r == '"' || r == '=' || !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}

// isTerminal reports whether w is a terminal (progress bars go only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress is a progress bar on stderr, or nothing: bars are drawn only
// when stderr is a terminal and logs are text, never into a log file or
// between JSON lines.
type progress struct {
	bar *progressbar.ProgressBar
}

// newProgress starts a bar of max units (bytes when inBytes) described by
// what; it is a no-op unless e.bars.
func (e *env) newProgress(what string, max int64, inBytes bool) *progress {
	if !e.bars || max <= 0 {
		return &progress{}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(65 * time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionUseANSICodes(true),
	}
	if inBytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	} else {
		opts = append(opts, progressbar.OptionShowCount())
	}
	return &progress{bar: progressbar.NewOptions64(max, opts...)}
}

// add advances the bar by n units.
func (p *progress) add(n int64) {
	if p.bar != nil {
		p.bar.Add64(n)
	}
}

// set moves the bar to n units.
func (p *progress) set(n int64) {
	if p.bar != nil {
		p.bar.Set64(n)
	}
}

// describe changes what the bar says it is doing.
func (p *progress) describe(what string) {
	if p.bar != nil {
		p.bar.Describe(what)
	}
}

// done removes the bar from the terminal, so log lines start on a clean line.
func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// problem writes a message meant for the user on stderr (a file that could
// not be imported, a rejected row): as it is with text logs; with JSON logs
// as a record whose msg is what (e.g. "row rejected"), with the message as
// "problem", so that stderr stays one JSON object per line.
func (e *env) problem(level slog.Level, what, text string, attrs ...any) {
	if e.logFormat() == "json" {
		e.log.Log(context.Background(), level, what, append(attrs, "problem", text)...)
		return
	}
	fmt.Fprintln(e.stderr, escape.Terminal(text))
}

func (e *env) logFormat() string { return strings.ToLower(e.logOpts.format) }
