package email

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/postlive/postlive/reports/email/smtptest"
)

const testPassword = "s3cr3t-Pa55-do-not-log"

// composed is ana's message of the fixture.
func composed(t *testing.T) *Message {
	t.Helper()
	db := newWarehouse(t, testStreams)
	streams := loadStreams(t, db)
	opt := testOptions()
	batches, _, _, _ := Pending(streams.All(), newLog(t), opt)
	m, err := Compose(batches[0], streams, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSend sends through a real SMTP server on loopback in each TLS mode,
// authenticating with PLAIN, and compares what arrived with the message.
func TestSend(t *testing.T) {
	m := composed(t)
	for _, tc := range []struct {
		name, tls, auth string
		wantTLS         bool
	}{
		{"none+plain", TLSNone, "", false}, // auto without TLS: PLAIN, which go-mail allows to loopback only
		{"starttls+auto", TLSStartTLS, "auto", true},
		{"implicit-tls+plain", TLSImplicit, "plain", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srvTLS := tc.tls
			if srvTLS == TLSNone {
				srvTLS = ""
			}
			srv := smtptest.Start(t, smtptest.Options{User: "mailer", Password: testPassword, TLS: srvTLS})
			conn, err := Dial(context.Background(), SMTP{Host: srv.Host, Port: srv.Port, TLS: tc.tls, User: "mailer",
				Password: testPassword, Auth: tc.auth, CAFile: srv.CAFile, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			if err := conn.Send(m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if err := conn.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("server has %d messages; want 1", len(got))
			}
			g := got[0]
			if g.From != "reports@example.com" || strings.Join(g.To, ",") != "ana@example.com,agent@example.org" || g.User != "mailer" || g.TLS != tc.wantTLS {
				t.Errorf("envelope from %q to %v, user %q, TLS %v", g.From, g.To, g.User, g.TLS)
			}
			if !bytes.Equal(g.Data, m.Raw) {
				t.Errorf("the server received %d bytes that differ from the %d composed", len(g.Data), len(m.Raw))
			}
		})
	}
}

// TestSendFailures: a wrong password, an untrusted certificate, a refused
// recipient (the connection sends on), a server that is not there. No error
// carries the password.
func TestSendFailures(t *testing.T) {
	m := composed(t)
	ctx := context.Background()
	check := func(err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v; want one containing %q", err, want)
		}
		if err != nil && strings.Contains(err.Error(), testPassword) {
			t.Errorf("the error shows the password: %v", err)
		}
	}

	srv := smtptest.Start(t, smtptest.Options{User: "mailer", Password: "the-right-one", TLS: "starttls"})
	_, err := Dial(ctx, SMTP{Host: srv.Host, Port: srv.Port, User: "mailer", Password: testPassword, CAFile: srv.CAFile, Timeout: 10 * time.Second})
	check(err, "535")

	_, err = Dial(ctx, SMTP{Host: srv.Host, Port: srv.Port, User: "mailer", Password: testPassword, Timeout: 10 * time.Second})
	check(err, "certificate")

	// TLS required (starttls) from a server that offers none.
	plain := smtptest.Start(t, smtptest.Options{})
	_, err = Dial(ctx, SMTP{Host: plain.Host, Port: plain.Port, TLS: TLSStartTLS, Timeout: 10 * time.Second})
	check(err, "STARTTLS")

	refusing := smtptest.Start(t, smtptest.Options{Reject: []string{"agent@example.org"}})
	conn, err := Dial(ctx, SMTP{Host: refusing.Host, Port: refusing.Port, TLS: TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	check(conn.Send(m), "RCPT TO agent@example.org: 550")
	only := *m
	only.To = []string{"ana@example.com"}
	if err := conn.Send(&only); err != nil {
		t.Fatalf("after a refused recipient the connection must send on: %v", err)
	}
	if n := len(refusing.Messages()); n != 1 {
		t.Errorf("server has %d messages; want 1 (the refused one is not delivered)", n)
	}

	_, err = Dial(ctx, SMTP{Host: "127.0.0.1", Port: closedPort(t), TLS: TLSNone, Timeout: 5 * time.Second})
	check(err, "connect to 127.0.0.1:")
}

func TestSMTPStringHidesPassword(t *testing.T) {
	c := SMTP{Host: "smtp.example.com", User: "reports", Password: testPassword}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(f, c); strings.Contains(got, testPassword) || !strings.Contains(got, "smtp.example.com:587 (starttls, user reports)") {
			t.Errorf("Sprintf(%q) = %q", f, got)
		}
	}
	if got := fmt.Sprintf("%+v", struct{ S SMTP }{c}); strings.Contains(got, testPassword) {
		t.Errorf("a struct holding SMTP prints the password: %s", got)
	}
}

// closedPort is a loopback port nothing listens on (any more).
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
