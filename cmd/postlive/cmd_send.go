package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/escape"
	"github.com/postlive/postlive/lake"
	"github.com/postlive/postlive/reports"
	"github.com/postlive/postlive/reports/email"
)

type sendOptions struct {
	dryRun     bool
	toDir      string
	affiliates []string
	resend     bool
	markSent   bool
	wait       time.Duration
}

func newSendCmd(e *env) *cobra.Command {
	var o sendOptions
	c := &cobra.Command{
		Use:   "send",
		Short: "E-mail each affiliate their new and updated stream reports",
		Long: `Send e-mails every affiliate with an address in email.to the reports of their
streams that were not sent yet, and again, marked "Updated", those whose report
changed since it was sent (a late order, a refund, a corrected export). One
message per affiliate: an HTML body with the KPI tiles and the per-minute chart
(a PNG image), a plain-text alternative, and each full stream report attached;
at most email.max_streams streams per message, the newest first.

What was sent is kept in the sent-log, .postlive/sent-log.jsonl, written after
the SMTP server has accepted each message; a stream is due again only when its
report changes. --dry-run prints what would be sent and changes nothing;
--to-dir DIR writes the messages as <affiliate>-<date>.eml files instead of
sending them and records nothing. --mark-sent records the reports due as sent
without sending anything (to start e-mailing a workspace that has history).
The SMTP server, sender and addresses are configured under email: in
postlive.yaml (docs/configuration.md); the password belongs in the environment
variable POSTLIVE_EMAIL_SMTP_PASSWORD and is never printed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, b := range []bool{o.dryRun, o.toDir != "", o.markSent} {
				if b {
					n++
				}
			}
			if n > 1 {
				return usagef("--dry-run, --to-dir and --mark-sent exclude each other; pass one")
			}
			ws, err := e.openWorkspace(true, o.wait)
			if err != nil {
				return err
			}
			defer ws.close()
			_, err = sendReports(cmd.Context(), e, ws, o)
			return err
		},
	}
	c.Flags().BoolVar(&o.dryRun, "dry-run", false, "print what would be sent (recipients, subjects, streams, sizes); send and record nothing")
	c.Flags().StringVar(&o.toDir, "to-dir", "", "write each message as DIR/<affiliate>-<date>.eml instead of sending it; records nothing")
	c.Flags().StringSliceVar(&o.affiliates, "affiliate", nil, "only these affiliates (repeat the flag or separate ids by commas)")
	c.Flags().BoolVar(&o.resend, "resend", false, "also send reports that were sent before and have not changed")
	c.Flags().BoolVar(&o.markSent, "mark-sent", false, "record the reports due as sent without sending them")
	c.Flags().DurationVar(&o.wait, "wait", 0, "how long to wait for another postlive process to release the workspace")
	return c
}

// sendResult counts what a send did.
type sendResult struct {
	mails, streams, failed int
	deferred               int // due streams left for the next message
}

func sentLogPath(ws *session) string { return filepath.Join(ws.StateDir(), "sent-log.jsonl") }

// sendReports mails (or, per o, previews, writes or marks) what the
// affiliates are due.
func sendReports(ctx context.Context, e *env, ws *session, o sendOptions) (sendResult, error) {
	var res sendResult
	cfg := ws.cfg.Email
	deliver := !o.dryRun && o.toDir == "" && !o.markSent
	switch {
	case len(cfg.To) == 0:
		return res, usagef("no affiliate has an e-mail address: set email.to.<affiliate_id> in postlive.yaml (docs/configuration.md)")
	case cfg.From == "" && !o.markSent:
		return res, usagef("email.from is not set: set it to the sender of the reports, e.g. postlive <reports@example.com>")
	case deliver && cfg.SMTP.Host == "":
		return res, usagef("email.smtp.host is not set: configure the SMTP server (docs/configuration.md), or write the messages to files with --to-dir DIR")
	}
	for _, a := range o.affiliates {
		if len(cfg.To[a]) == 0 {
			return res, usagef("--affiliate %s: affiliate %q has no address; set email.to.%s", a, a, a)
		}
	}
	log, err := email.OpenSentLog(sentLogPath(ws))
	if err != nil {
		var le *email.LogError
		if errors.As(err, &le) {
			return res, &usageError{err.Error()}
		}
		return res, err
	}
	db, err := openWarehouse(ctx, ws)
	if err != nil {
		return res, err
	}
	defer db.Close()
	asOf, err := dataAsOf(ctx, db)
	if err != nil {
		return res, err
	}
	streams, err := reports.LoadStreams(ctx, db, reports.Options{Now: asOf, Currency: ws.cfg.Currency})
	if err != nil {
		return res, err
	}
	opt := email.Options{From: cfg.From, To: cfg.To, MaxStreams: cfg.MaxStreams, Affiliates: o.affiliates,
		Resend: o.resend, Now: e.now(), AsOf: asOf}
	if o.markSent {
		opt.MaxStreams = 0
	}
	batches, unaddressed, upToDate, empty := email.Pending(streams.All(), log, opt)
	for i := range batches {
		batches[i].Statement = streams.Statement(batches[i].Affiliate)
	}
	if len(unaddressed) > 0 {
		var parts []string
		for _, u := range unaddressed {
			parts = append(parts, fmt.Sprintf("%s (%s)", escape.Terminal(u.Affiliate), plural(u.Streams, "stream", "streams")))
		}
		fmt.Fprintf(e.stdout, "not mailed, no address in email.to: %s\n", strings.Join(parts, ", "))
	}
	if empty > 0 {
		fmt.Fprintf(e.stdout, "not mailed yet, no data for them so far: %s\n", plural(empty, "stream", "streams"))
	}
	if len(batches) == 0 {
		fmt.Fprintf(e.stdout, "nothing to send: %s already sent and unchanged\n", plural(upToDate, "stream report", "stream reports"))
		return res, nil
	}
	if o.markSent {
		for _, b := range batches {
			if err := log.RecordBatch(b, e.now()); err != nil {
				return res, err
			}
			res.streams += len(b.Items)
		}
		fmt.Fprintf(e.stdout, "marked %s of %s as sent in %s; nothing was sent\n",
			plural(res.streams, "stream report", "stream reports"), plural(len(batches), "affiliate", "affiliates"), relPath(ws, log.Path()))
		return res, nil
	}
	var msgs []*email.Message
	for _, b := range batches {
		m, err := email.Compose(b, streams, opt)
		if err != nil {
			return res, fmt.Errorf("compose the e-mail of %s: %w", b.Affiliate, err)
		}
		msgs = append(msgs, m)
	}
	switch {
	case o.dryRun:
		for _, m := range msgs {
			printMessage(e.stdout, "would send", m)
		}
		fmt.Fprintf(e.stdout, "dry run: %s would be sent%s; nothing was sent and the sent-log is unchanged\n",
			plural(len(msgs), "mail", "mails"), viaServer(cfg.SMTP))
		return res, nil
	case o.toDir != "":
		if err := os.MkdirAll(o.toDir, 0o755); err != nil {
			return res, err
		}
		day := e.now().UTC().Format("2006-01-02")
		for _, m := range msgs {
			path := filepath.Join(o.toDir, reports.FileID(m.Affiliate)+"-"+day+".eml")
			if err := lake.WriteFile(path, func(f io.Writer) error { _, err := f.Write(m.Raw); return err }); err != nil {
				return res, err
			}
			printMessage(e.stdout, "wrote "+path+":", m)
			res.mails++
		}
		fmt.Fprintf(e.stdout, "wrote %s to %s; nothing was sent and the sent-log is unchanged\n", plural(res.mails, "message", "messages"), o.toDir)
		return res, nil
	}

	conn, err := email.Dial(ctx, cfg.SMTP)
	if err != nil {
		return res, fmt.Errorf("send e-mail: %w; check email.smtp.host, email.smtp.port, email.smtp.tls and, if the server asks for a login, email.smtp.user and POSTLIVE_EMAIL_SMTP_PASSWORD", err)
	}
	defer conn.Close()
	for _, m := range msgs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := conn.Send(m); err != nil {
			fmt.Fprintf(e.stderr, "postlive: e-mail to %s (%s) not sent: %s\n", escape.Terminal(strings.Join(m.To, ", ")), escape.Terminal(m.Affiliate), escape.Terminal(err.Error()))
			res.failed++
			continue
		}
		// Recorded only now that the server has the message. A crash between
		// the two sends it once more next time: better twice than never.
		if err := log.Record(m, e.now()); err != nil {
			return res, fmt.Errorf("the e-mail to %s was sent but not recorded, so it will be sent again: %w", m.Affiliate, err)
		}
		printMessage(e.stdout, "sent", m)
		res.mails++
		res.streams += len(m.Items)
		res.deferred += m.Deferred
	}
	fmt.Fprintf(e.stdout, "mails sent: %d (%s)%s; sent-log %s\n", res.mails, plural(res.streams, "stream report", "stream reports"), viaServer(cfg.SMTP), relPath(ws, log.Path()))
	if res.failed > 0 {
		return res, fmt.Errorf("%d of %d e-mails were not sent (see above); their reports stay due and go out with the next send", res.failed, len(msgs))
	}
	return res, nil
}

// printMessage writes one line per message and one per stream in it.
func printMessage(w io.Writer, verb string, m *email.Message) {
	extra := ""
	if m.Deferred > 0 {
		extra = fmt.Sprintf("; %d more in the next e-mail", m.Deferred)
	}
	// affiliate ids, stream ids and titles are data: control characters in
	// them are escaped, not sent to the terminal
	fmt.Fprintf(w, "%s %s to %s: %q, %s, %s (HTML body %s)%s\n", verb, escape.Terminal(m.Affiliate), escape.Terminal(strings.Join(m.To, ", ")), m.Subject,
		plural(len(m.Items), "stream", "streams"), byteSize(len(m.Raw)), byteSize(m.HTMLBytes), extra)
	for _, it := range m.Items {
		fmt.Fprintf(w, "  %-8s %s  %s\n", it.Status, escape.Terminal(it.Stream.ID), escape.Terminal(it.Stream.Title))
	}
}

func viaServer(c email.SMTP) string {
	if c.Host == "" {
		return ""
	}
	return " via " + c.String()
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func relPath(ws *session, p string) string {
	if r, err := filepath.Rel(ws.Dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}

// nightlyMail is the e-mail step of `postlive run`: a send when
// email.smtp.host is set, nothing otherwise. A send that left nothing due
// notes what it saw (the warehouse, the e-mail settings, the sent-log) in
// .postlive/mail-state; while those stay the same nothing can be due, and a
// night with nothing new skips opening the warehouse.
func nightlyMail(ctx context.Context, e *env, ws *session) (sendResult, error) {
	if ws.cfg.Email.SMTP.Host == "" {
		return sendResult{}, nil
	}
	statePath := filepath.Join(ws.StateDir(), "mail-state")
	if b, err := os.ReadFile(statePath); err == nil && strings.TrimSpace(string(b)) == mailKey(ws) {
		return sendResult{}, nil
	}
	res, err := sendReports(ctx, e, ws, sendOptions{})
	if err != nil || res.deferred > 0 {
		return res, err
	}
	key := mailKey(ws)
	return res, lake.WriteFile(statePath, func(f io.Writer) error { _, err := io.WriteString(f, key+"\n"); return err })
}

// mailKey names what decides whether e-mail is due: the warehouse file, the
// sent-log (size and modification time) and the e-mail settings that choose
// recipients.
func mailKey(ws *session) string {
	h := sha256.New()
	for _, p := range []string{ws.WarehousePath(), sentLogPath(ws)} {
		if fi, err := os.Stat(p); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
		} else {
			fmt.Fprintf(h, "%s missing\n", p)
		}
	}
	c := ws.cfg.Email
	affs := make([]string, 0, len(c.To))
	for a := range c.To {
		affs = append(affs, a)
	}
	sort.Strings(affs)
	fmt.Fprintf(h, "%s %d %s\n", c.From, c.MaxStreams, ws.cfg.Currency)
	for _, a := range affs {
		fmt.Fprintf(h, "%s=%s\n", a, strings.Join(c.To[a], ","))
	}
	return hex.EncodeToString(h.Sum(nil))
}
