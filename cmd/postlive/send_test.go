package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/postlive/postlive/reports/email/smtptest"
	"github.com/postlive/postlive/workspace"
)

// mailPassword is the SMTP password of the tests: it must never show up in
// any output, log or file.
const mailPassword = "pl-T0p-s3cret-do-not-print"

// mailWorkspace copies the demo workspace (imported, built, reported) into a
// fresh folder and adds cfg to its postlive.yaml.
func mailWorkspace(t *testing.T, cfg string) string {
	t.Helper()
	ws := t.TempDir()
	copyTree(t, demoWorkspace(t), ws)
	b, err := os.ReadFile(filepath.Join(ws, "postlive.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(ws, "postlive.yaml"), string(b)+cfg)
	return ws
}

// emailYAML is an email: section for srv: ana and ben have addresses, chloe
// has none.
func emailYAML(srv *smtptest.Server, tls string) string {
	s := fmt.Sprintf("email:\n  smtp:\n    host: %s\n    port: %d\n    tls: %s\n    user: mailer\n", srv.Host, srv.Port, tls)
	if srv.CAFile != "" {
		s += "    ca_file: " + srv.CAFile + "\n"
	}
	return s + `  from: postlive reports <reports@example.com>
  to:
    ana: Ana <ana@example.com>
    ben: [ben@example.com, "Ben's agent <agent@example.org>"]
`
}

// mimePart is one node of a parsed message.
type mimePart struct {
	typ      string
	header   map[string][]string
	body     []byte
	children []*mimePart
}

func (p *mimePart) get(k string) string {
	if v := p.header[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (p *mimePart) shape() string {
	if len(p.children) == 0 {
		return p.typ
	}
	var kids []string
	for _, c := range p.children {
		kids = append(kids, c.shape())
	}
	return p.typ + "(" + strings.Join(kids, ",") + ")"
}

// parseMail reads a message with net/mail and mime/multipart, decoding its
// leaves.
func parseMail(t *testing.T, raw []byte) (*mail.Message, *mimePart) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a message: %v", err)
	}
	var walk func(h map[string][]string, r io.Reader) *mimePart
	walk = func(h map[string][]string, r io.Reader) *mimePart {
		p := &mimePart{header: h}
		mt, params, err := mime.ParseMediaType(p.get("Content-Type"))
		if err != nil {
			t.Fatalf("Content-Type %q: %v", p.get("Content-Type"), err)
		}
		p.typ = mt
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				np, err := mr.NextRawPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				p.children = append(p.children, walk(np.Header, np))
			}
			return p
		}
		switch strings.ToLower(p.get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, r)
		}
		if p.body, err = io.ReadAll(r); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return msg, walk(msg.Header, msg.Body)
}

var cidSrc = regexp.MustCompile(`src="cid:([^"]+)"`)

// checkMessage checks what a mail client needs of a received message and
// returns its text and HTML bodies and its images by content id. Besides the
// streams' reports the creator statement is attached (every demo creator has
// one).
func checkMessage(t *testing.T, raw []byte, streams int) (text, html string, images map[string][]byte) {
	t.Helper()
	return checkMessageAttached(t, raw, streams, streams+1)
}

// checkMessageAttached is checkMessage for a message with attached HTML
// files: the stream reports, and the creator statement when the creator has
// one (streams+1).
func checkMessageAttached(t *testing.T, raw []byte, streams, attached int) (text, html string, images map[string][]byte) {
	t.Helper()
	_, root := parseMail(t, raw)
	want := "multipart/mixed(multipart/related(multipart/alternative(text/plain,text/html)" +
		strings.Repeat(",image/png", streams) + ")" + strings.Repeat(",text/html", attached) + ")"
	if got := root.shape(); got != want {
		t.Fatalf("MIME tree\n got %s\nwant %s", got, want)
	}
	related := root.children[0]
	text, html = string(related.children[0].children[0].body), string(related.children[0].children[1].body)
	images = map[string][]byte{}
	for _, c := range related.children[1:] {
		images[strings.Trim(c.get("Content-Id"), "<>")] = c.body
	}
	refs := cidSrc.FindAllStringSubmatch(html, -1)
	if len(refs) != streams {
		t.Errorf("the HTML references %d images; want %d", len(refs), streams)
	}
	for _, r := range refs {
		if b := images[r[1]]; !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("cid:%s resolves to no PNG part", r[1])
		}
	}
	if strings.Contains(strings.ToLower(html), "<script") {
		t.Error("the HTML body has a script element")
	}
	if n := len(strings.ReplaceAll(html, "\r\n", "\n")); n > 100*1024 {
		t.Errorf("the HTML body is %d bytes; want at most 100 KB", n)
	}
	for i, a := range root.children[1:] {
		if !strings.HasPrefix(a.get("Content-Disposition"), "attachment;") || !strings.HasPrefix(a.get("Content-Type"), "text/html") {
			t.Errorf("attachment %d: %q, %q", i, a.get("Content-Disposition"), a.get("Content-Type"))
		}
		if !bytes.Contains(a.body, []byte("</html>")) {
			t.Errorf("attachment %d is not a whole report", i)
		}
	}
	return text, html, images
}

// assertNoPassword looks for the password in outputs and in every file of
// the workspace's .postlive folder.
func assertNoPassword(t *testing.T, ws string, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, mailPassword) {
			t.Errorf("the SMTP password was printed:\n%s", o)
		}
	}
	filepath.Walk(filepath.Join(ws, ".postlive"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(mailPassword)) {
				t.Errorf("the SMTP password is in %s", p)
			}
		}
		return nil
	})
}

// TestSend sends the demo's stream reports over STARTTLS (the test's own CA)
// to a real SMTP server, checks what arrived, sends again (nothing), then
// imports a late order and sends the one changed report, marked updated.
func TestSend(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: "mailer", Password: mailPassword, TLS: "starttls"})
	ws := mailWorkspace(t, emailYAML(srv, "starttls"))
	t.Setenv("POSTLIVE_EMAIL_SMTP_PASSWORD", mailPassword)

	code, out, errOut := postlive(t, "-w", ws, "send")
	if code != 0 {
		t.Fatalf("send exited %d:\n%s%s", code, out, errOut)
	}
	for _, w := range []string{
		"not mailed, no address in email.to: chloe (5 streams)",
		`sent ana to Ana <ana@example.com>: "5 stream reports, 2 Nov 2026 – 11 Nov 2026", 5 streams,`,
		`sent ben to ben@example.com, Ben's agent <agent@example.org>: "5 stream reports, 3 Nov 2026 – 15 Nov 2026", 5 streams,`,
		"  new      s-2026-11-02-ana  Ana's Glow Drop — Vitamin C & SPF, live",
		fmt.Sprintf("mails sent: 2 (10 stream reports) via %s (starttls, user mailer); sent-log .postlive/sent-log.jsonl", srv.Addr()),
	} {
		if !strings.Contains(out, w) {
			t.Errorf("send output lacks %q:\n%s", w, out)
		}
	}
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("the server received %d messages; want 2 (ana, ben)", len(got))
	}
	if got[0].User != "mailer" || !got[0].TLS || strings.Join(got[0].To, ",") != "ana@example.com" ||
		strings.Join(got[1].To, ",") != "ben@example.com,agent@example.org" || got[1].From != "reports@example.com" {
		t.Errorf("envelopes: %+v / %+v", got[0], got[1])
	}
	text, html, _ := checkMessage(t, got[0].Data, 5)
	// The numbers are the marts' (README: the demo's stream KPIs).
	for _, w := range []string{
		"Hi Ana,",
		"Ana's Glow Drop — Vitamin C & SPF, live",
		"Viewers      4,542",
		"Revenue      $2,352.80",
		"Orders       50",
		"Glow drop #2: serum restock",
		"Revenue      $1,783.30",
		"Every number of this stream is in the attached stream-s-2026-11-02-ana.html.",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("ana's text body lacks %q", w)
		}
	}
	if !strings.Contains(html, "Ana&#39;s Glow Drop — Vitamin C &amp; SPF, live") {
		t.Error("ana's HTML body lacks the escaped title")
	}
	// Each attachment is the report `postlive report` wrote, without the
	// chart library: the same title and tables, no script but the table sorter.
	_, root := parseMail(t, got[0].Data)
	for _, a := range root.children[1:] {
		_, params, _ := mime.ParseMediaType(a.get("Content-Disposition"))
		disk, err := os.ReadFile(filepath.Join(ws, "reports", params["filename"]))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(params["filename"], "statement-") {
			// The statement has no charts: it is attached as written.
			if !bytes.Equal(disk, a.body) || bytes.Contains(a.body, []byte("echarts")) {
				t.Errorf("attachment %s is not reports/%s as written", params["filename"], params["filename"])
			}
			continue
		}
		h1 := regexp.MustCompile(`<h1>[^<]*</h1>`)
		if h1.Find(disk) == nil || !bytes.Equal(h1.Find(disk), h1.Find(a.body)) || bytes.Contains(a.body, []byte("echarts")) ||
			bytes.Count(a.body, []byte("<script")) != 1 || !bytes.Contains(a.body, []byte("The interactive report is <strong>"+params["filename"]+"</strong>")) {
			t.Errorf("attachment %s is not reports/%s without the chart library", params["filename"], params["filename"])
		}
	}
	if b, _ := os.ReadFile(sentLogPath(&session{Workspace: &workspace.Workspace{Dir: ws}})); bytes.Count(b, []byte("\n")) != 10 {
		t.Errorf("sent-log has %d lines; want 10:\n%s", bytes.Count(b, []byte("\n")), b)
	}
	assertNoPassword(t, ws, out, errOut, string(got[0].Data), string(got[1].Data))

	// The next night: nothing new, nothing sent.
	code, out, errOut = postlive(t, "-w", ws, "send")
	if code != 0 || !strings.Contains(out, "nothing to send: 10 stream reports already sent and unchanged") || len(srv.Messages()) != 2 {
		t.Fatalf("second send = %d %q %q, %d messages; want nothing sent", code, out, errOut, len(srv.Messages()))
	}

	// A late order for Ana's stream of 11 Nov (GLOW20, in the drop window
	// 19:10–19:20 EST): its report changes, and only its report is due.
	late := writeFile(t, filepath.Join(t.TempDir(), "late.csv"),
		"Name,Email,Financial Status,Created at,Subtotal,Currency,Lineitem quantity,Discount Code,Discount Amount\n"+
			"#9001,late.buyer@example.com,paid,2026-11-11 19:15:00 -0500,40.00,USD,1,GLOW20,10.00\n")
	if code, out, errOut := postlive(t, "-w", ws, "import", "orders", "--merchant", "glowlab", late); code != 0 {
		t.Fatalf("import the late order = %d %s%s", code, out, errOut)
	}
	if code, out, errOut := postlive(t, "-w", ws, "build"); code != 0 {
		t.Fatalf("build = %d %s%s", code, out, errOut)
	}
	code, out, errOut = postlive(t, "-w", ws, "send")
	if code != 0 {
		t.Fatalf("send after the late order = %d %s%s", code, out, errOut)
	}
	got = srv.Messages()
	if len(got) != 3 || strings.Join(got[2].To, ",") != "ana@example.com" {
		t.Fatalf("after the late order the server has %d messages; want a third, to ana:\n%s", len(got), out)
	}
	msg, _ := parseMail(t, got[2].Data)
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subj != "Updated: stream report for Glow drop #2: serum restock (11 Nov 2026)" {
		t.Errorf("subject = %q", subj)
	}
	text, html, _ = checkMessage(t, got[2].Data, 1)
	// Hand-computed: revenue 1,783.30 + 40.00 = 1,823.30 and orders 27 + 1 = 28.
	for _, w := range []string{"UPDATED: this report was first sent on 21 Nov 2026", "Revenue      $1,823.30", "Orders       28"} {
		if !strings.Contains(text, w) {
			t.Errorf("the update's text lacks %q", w)
		}
	}
	if !strings.Contains(html, "<strong>Updated.</strong>") {
		t.Error("the update's HTML does not say it is an update")
	}
	if !strings.Contains(out, "  updated  s-2026-11-11-ana  Glow drop #2: serum restock") || !strings.Contains(out, "mails sent: 1 (1 stream report)") {
		t.Errorf("send output after the late order:\n%s", out)
	}
	assertNoPassword(t, ws, out, errOut)
}

// TestSendDryRunAndToDir: --dry-run prints and changes nothing; --to-dir
// writes .eml files, the same bytes every time and the very bytes an SMTP
// server receives for the same clock; the .eml's HTML, images resolved, is
// opened in headless Chromium.
func TestSendDryRunAndToDir(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: "mailer", Password: mailPassword})
	ws := mailWorkspace(t, emailYAML(srv, "none"))
	t.Setenv("POSTLIVE_EMAIL_SMTP_PASSWORD", mailPassword)
	logPath := sentLogPath(&session{Workspace: &workspace.Workspace{Dir: ws}})

	code, out, errOut := postlive(t, "-w", ws, "send", "--dry-run")
	if code != 0 {
		t.Fatalf("--dry-run = %d %s%s", code, out, errOut)
	}
	sizeLine := regexp.MustCompile(`would send ana to Ana <ana@example.com>: "5 stream reports, 2 Nov 2026 – 11 Nov 2026", 5 streams, [0-9.]+ KB \(HTML body [0-9.]+ KB\)`)
	if !sizeLine.MatchString(out) || !strings.Contains(out, "dry run: 2 mails would be sent via "+srv.Addr()+" (none, user mailer); nothing was sent and the sent-log is unchanged") {
		t.Errorf("--dry-run output:\n%s", out)
	}
	if _, err := os.Stat(logPath); err == nil || len(srv.Messages()) != 0 {
		t.Fatal("--dry-run sent or recorded something")
	}

	dir := t.TempDir()
	code, out, errOut = postlive(t, "-w", ws, "send", "--to-dir", dir)
	if code != 0 || !strings.Contains(out, "wrote 2 messages to "+dir+"; nothing was sent and the sent-log is unchanged") {
		t.Fatalf("--to-dir = %d %s%s", code, out, errOut)
	}
	ana, err := os.ReadFile(filepath.Join(dir, "ana-2026-11-21.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ben-2026-11-21.eml")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(logPath); err == nil {
		t.Fatal("--to-dir recorded the messages as sent")
	}
	dir2 := t.TempDir()
	postlive(t, "-w", ws, "send", "--to-dir", dir2)
	if again, _ := os.ReadFile(filepath.Join(dir2, "ana-2026-11-21.eml")); !bytes.Equal(ana, again) {
		t.Error("the same reports and clock gave a different .eml")
	}

	// Sent for real (PLAIN over loopback without TLS), the server receives
	// exactly the .eml's bytes.
	code, out, errOut = postlive(t, "-w", ws, "send", "--affiliate", "ana")
	if code != 0 {
		t.Fatalf("send --affiliate ana = %d %s%s", code, out, errOut)
	}
	if got := srv.Messages(); len(got) != 1 || !bytes.Equal(got[0].Data, ana) {
		t.Fatalf("the server received %d messages, the first equal to the .eml: %v", len(got), len(got) == 1 && bytes.Equal(got[0].Data, ana))
	}
	assertNoPassword(t, ws, out, errOut)

	// --mark-sent: ben's reports recorded without a message.
	code, out, _ = postlive(t, "-w", ws, "send", "--mark-sent")
	if code != 0 || !strings.Contains(out, "marked 5 stream reports of 1 affiliate as sent in .postlive/sent-log.jsonl; nothing was sent") || len(srv.Messages()) != 1 {
		t.Fatalf("--mark-sent = %d %q", code, out)
	}
	if code, out, _ = postlive(t, "-w", ws, "send", "--resend", "--affiliate", "ben", "--dry-run"); code != 0 || !strings.Contains(out, "  new      s-2026-11-15-ben") {
		t.Errorf("--resend of reports only marked as sent: %d\n%s", code, out)
	}

	t.Run("browser", func(t *testing.T) { openEmailInBrowser(t, ana) })
}

// TestSendUsageErrors: configuration and flag mistakes exit 2 naming the key,
// the line or the flag.
func TestSendUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		yaml, flags, want string
	}{
		{"email:\n  smtp:\n    tls: ssl\n", "", `email.smtp.tls: "ssl" is not one of starttls, tls, none`},
		{"email:\n  smtp:\n    port: 99999\n", "", `email.smtp.port: "99999" is not a port number`},
		{"email:\n  smtp:\n    hots: mail.example.com\n", "", `postlive.yaml:3:5: unknown key "email.smtp.hots"`},
		{"email:\n  smtp:\n    auth: kerberos\n", "", `email.smtp.auth: "kerberos" is not one of auto, plain, login, cram-md5, scram-sha-1, scram-sha-256`},
		{"email:\n  max_streams: 0\n", "", `email.max_streams: "0" is not a whole number of at least 1`},
		{"email:\n  from: reports-at-example\n", "", `email.from: "reports-at-example" is not an e-mail address`},
		{"email:\n  to:\n    ana: ana-at-example\n", "", `postlive.yaml:3:10: email.to.ana: "ana-at-example" is not an e-mail address`},
		{"email:\n  smtp:\n    password: x\n", "", "email.smtp.password is set but email.smtp.user is not"},
		{"", "", "no affiliate has an e-mail address: set email.to.<affiliate_id>"},
		{"email:\n  to:\n    ana: ana@example.com\n", "", "email.from is not set"},
		{"email:\n  from: r@example.com\n  to:\n    ana: ana@example.com\n", "", "email.smtp.host is not set"},
		{"email:\n  from: r@example.com\n  to:\n    ana: ana@example.com\n", "--affiliate,zed,--dry-run", `--affiliate zed: affiliate "zed" has no address; set email.to.zed`},
		{"", "--dry-run,--to-dir,x", "--dry-run, --to-dir and --mark-sent exclude each other"},
	} {
		ws := t.TempDir()
		writeFile(t, filepath.Join(ws, "postlive.yaml"), tc.yaml)
		args := []string{"-w", ws, "send"}
		if tc.flags != "" {
			args = append(args, strings.Split(tc.flags, ",")...)
		}
		code, _, errOut := postlive(t, args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("send with %q %v = %d %q; want exit 2 with %q", tc.yaml, tc.flags, code, errOut, tc.want)
		}
	}

	// A damaged sent-log line is a usage error naming file and line.
	srv := smtptest.Start(t, smtptest.Options{})
	ws := mailWorkspace(t, emailYAML(srv, "none"))
	writeFile(t, sentLogPath(&session{Workspace: &workspace.Workspace{Dir: ws}}), "{not json\n")
	code, _, errOut := postlive(t, "-w", ws, "send", "--dry-run")
	if code != exitUsage || !strings.Contains(errOut, filepath.Join(ws, ".postlive", "sent-log.jsonl")+":1:1: not a sent-log entry") {
		t.Errorf("damaged sent-log = %d %q", code, errOut)
	}
}

// TestRunSendsMail: the nightly run e-mails after writing the reports. With
// the SMTP server down the run fails (exit 1) and the reports stay due; the
// next run, with nothing new to import, sends them; the one after sends
// nothing.
func TestRunSendsMail(t *testing.T) {
	demo := demoWorkspace(t)
	ws := t.TempDir()
	copyTree(t, filepath.Join(demo, "inbox"), filepath.Join(ws, "inbox"))
	base, _ := os.ReadFile(filepath.Join(demo, "postlive.yaml"))
	t.Setenv("POSTLIVE_EMAIL_SMTP_PASSWORD", mailPassword)

	down := &smtptest.Server{Host: "127.0.0.1", Port: freePort(t)}
	writeFile(t, filepath.Join(ws, "postlive.yaml"), string(base)+emailYAML(down, "none"))
	code, out, errOut := postlive(t, "-w", ws, "run")
	if code != exitFailure || !strings.Contains(out, "25 report files written; 0 mails sent;") || !strings.Contains(errOut, "connect to "+down.Addr()) {
		t.Fatalf("run with the SMTP server down = %d\n%s\n%s", code, out, errOut)
	}
	assertNoPassword(t, ws, out, errOut)

	srv := smtptest.Start(t, smtptest.Options{User: "mailer", Password: mailPassword})
	writeFile(t, filepath.Join(ws, "postlive.yaml"), string(base)+emailYAML(srv, "none"))
	code, out, errOut = postlive(t, "-w", ws, "run")
	if code != 0 || !strings.Contains(out, "nothing new: 9 inbox files already imported") || !strings.Contains(out, "mails sent: 2 (10 stream reports)") || len(srv.Messages()) != 2 {
		t.Fatalf("run after the server came back = %d, %d messages\n%s\n%s", code, len(srv.Messages()), out, errOut)
	}
	// Nothing new and nothing due: the run does not even open the warehouse
	// for e-mail (.postlive/mail-state matches).
	code, out, _ = postlive(t, "-w", ws, "run")
	if code != 0 || strings.TrimSpace(out) == "" || strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.HasPrefix(out, "nothing new:") || len(srv.Messages()) != 2 {
		t.Fatalf("third run = %d, %d messages\n%s", code, len(srv.Messages()), out)
	}
	// Adding an address is a change: chloe's reports go out on a night with nothing new.
	writeFile(t, filepath.Join(ws, "postlive.yaml"), string(base)+emailYAML(srv, "none")+"    chloe: chloe@example.com\n")
	code, out, _ = postlive(t, "-w", ws, "run")
	if code != 0 || !strings.Contains(out, "mails sent: 1 (5 stream reports)") || len(srv.Messages()) != 3 {
		t.Fatalf("run after adding chloe's address = %d, %d messages\n%s", code, len(srv.Messages()), out)
	}

	// A new stream for ana arrives: the full run's summary counts the mail.
	writeFile(t, filepath.Join(ws, "inbox", "streams", "late.csv"), "stream_id,affiliate_id,started_at,ended_at,title\ns-2026-11-16-ana,ana,2026-11-16T19:00:00Z,2026-11-16T19:20:00Z,Sunday serum Q&A\n")
	code, out, errOut = postlive(t, "-w", ws, "run")
	if code != 0 || !strings.Contains(out, "; 1 mails sent;") || len(srv.Messages()) != 4 {
		t.Fatalf("run with a new stream = %d, %d messages\n%s\n%s", code, len(srv.Messages()), out, errOut)
	}
	msg, _ := parseMail(t, srv.Messages()[3].Data)
	if s := msg.Header.Get("Subject"); s != "Stream report: Sunday serum Q&A (16 Nov 2026)" {
		t.Errorf("subject of the new stream's mail = %q", s)
	}
}

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// emlHTML is the HTML body of an .eml with every cid: image inlined as a
// data: URI, as a mail client shows it.
func emlHTML(t *testing.T, raw []byte) (string, int) {
	t.Helper()
	_, html, images := checkMessage(t, raw, 5)
	n := 0
	html = cidSrc.ReplaceAllStringFunc(html, func(m string) string {
		id := cidSrc.FindStringSubmatch(m)[1]
		n++
		return `src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(images[id]) + `"`
	})
	return html, n
}

// TestRunSendsNoMailAfterFailedDataTest: numbers that fail a data test are
// not mailed to anyone.
func TestRunSendsNoMailAfterFailedDataTest(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	ws := t.TempDir()
	writeFile(t, filepath.Join(ws, "inbox", "streams", "plan.csv"), "stream_id,affiliate_id,started_at,ended_at\ns1,ana,2026-11-05T19:00:00Z,2026-11-05T19:30:00Z\n")
	writeFile(t, filepath.Join(ws, "inbox", "drops", "drops.csv"), "drop_id,stream_id,starts_at,ends_at\nd1,ghost,2026-11-05T19:00:00Z,2026-11-05T19:10:00Z\n")
	writeFile(t, filepath.Join(ws, "postlive.yaml"), emailYAML(srv, "none"))
	code, out, errOut := postlive(t, "-w", ws, "run")
	if code != exitData || !strings.Contains(out, "e-mail not sent: a data test failed") || !strings.Contains(out, "; e-mail held (1 data test failed);") || len(srv.Messages()) != 0 {
		t.Fatalf("run with a failed data test = %d, %d messages\n%s\n%s", code, len(srv.Messages()), out, errOut)
	}
}

// TestSendListingEscapesTitles: a stream title with terminal escapes is
// listed by send with them escaped, as run lists it.
func TestSendListingEscapesTitles(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: "mailer", Password: mailPassword})
	ws := mailWorkspace(t, emailYAML(srv, "none"))
	t.Setenv("POSTLIVE_EMAIL_SMTP_PASSWORD", mailPassword)
	b, err := os.ReadFile(filepath.Join(ws, "inbox", "streams", "streams.csv"))
	if err != nil {
		t.Fatal(err)
	}
	hostile := strings.Replace(string(b), "Lunch-break knife skills", "Lunch\x1b]0;owned\x07\x1b[2J knife skills", 1)
	f := writeFile(t, filepath.Join(t.TempDir(), "streams.csv"), hostile)
	if code, _, errOut := postlive(t, "-w", ws, "import", "streams", f); code != 0 {
		t.Fatalf("import = %d %s", code, errOut)
	}
	if code, out, errOut := postlive(t, "-w", ws, "build"); code != 0 {
		t.Fatalf("build = %d %s%s", code, out, errOut)
	}
	code, out, errOut := postlive(t, "-w", ws, "send", "--dry-run", "--resend", "--affiliate", "ben")
	if code != 0 || strings.ContainsAny(out+errOut, "\x1b\x07") || !strings.Contains(out, `Lunch\x1b]0;owned\x07\x1b[2J knife skills`) {
		t.Errorf("send --dry-run = %d %q %q; want the title with its escapes escaped", code, out, errOut)
	}
}
