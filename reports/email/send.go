package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLS modes of SMTP.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which the server must offer (port 587)
	TLSImplicit = "tls"      // TLS from the first byte, "SMTPS" (port 465)
	TLSNone     = "none"     // no encryption: only for a relay on the same host or network
)

// TLSModes lists the values of SMTP.TLS.
var TLSModes = []string{TLSStartTLS, TLSImplicit, TLSNone}

// AuthMechanisms lists the values of SMTP.Auth.
var AuthMechanisms = []string{"auto", "plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256"}

// SMTP says how to reach the mail server.
type SMTP struct {
	Host string
	// Port defaults to 587 (starttls), 465 (tls) or 25 (none).
	Port int
	// TLS is one of TLSModes; empty means starttls.
	TLS string
	// User and Password authenticate when User is set. The password is only
	// ever handed to the server's AUTH exchange, never written anywhere.
	User, Password string
	// Auth is one of AuthMechanisms; "auto" (or empty) takes the strongest the
	// server offers over TLS, and PLAIN without TLS, which go-mail allows only
	// to a server on the loopback interface.
	Auth string
	// CAFile names a PEM file of certificate authorities trusted besides the
	// system's (a relay with a private CA).
	CAFile string
	// Timeout bounds connecting and each command; it must be set (its default,
	// 30 s, is the one of email.smtp.timeout in workspace/keys.go).
	Timeout time.Duration
}

// String describes the settings without the password, so printing an SMTP
// value (%v, %+v, %s) never shows it.
func (c SMTP) String() string {
	s := c.Addr() + " (" + orDefault(c.TLS, TLSStartTLS)
	if c.User != "" {
		s += ", user " + c.User
	}
	return s + ")"
}

// GoString is String for %#v.
func (c SMTP) GoString() string { return "email.SMTP{" + c.String() + "}" }

// Addr is host:port with the default port of the TLS mode.
func (c SMTP) Addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.port()))
}

func (c SMTP) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.TLS == TLSImplicit:
		return 465
	case c.TLS == TLSNone:
		return 25
	}
	return 587
}

// Check says what is wrong with the settings, if anything.
func (c SMTP) Check() error {
	switch {
	case c.Host == "":
		return errors.New("no host")
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("port %d is not between 1 and 65535", c.Port)
	case c.TLS != "" && !slices.Contains(TLSModes, c.TLS):
		return fmt.Errorf("tls %q is not one of %s", c.TLS, strings.Join(TLSModes, ", "))
	case c.Auth != "" && !slices.Contains(AuthMechanisms, c.Auth):
		return fmt.Errorf("auth %q is not one of %s", c.Auth, strings.Join(AuthMechanisms, ", "))
	case c.User == "" && c.Password != "":
		return errors.New("a password without a user")
	case c.Timeout <= 0:
		return fmt.Errorf("timeout %s is not positive (email.smtp.timeout)", c.Timeout)
	}
	return nil
}

// Conn is an open connection to the mail server: greeted, encrypted and
// authenticated as configured.
type Conn struct {
	cfg    SMTP
	client *smtp.Client
}

// Dial connects to the server, negotiates TLS and authenticates.
func Dial(ctx context.Context, cfg SMTP) (*Conn, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	opts := []gomail.Option{gomail.WithPort(cfg.port()), gomail.WithTimeout(timeout), gomail.WithTLSConfig(tc)}
	switch cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(authType(cfg)), gomail.WithUsername(cfg.User), gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, err
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Addr(), err)
	}
	return &Conn{cfg: cfg, client: sc}, nil
}

func authType(c SMTP) gomail.SMTPAuthType {
	switch c.Auth {
	case "plain":
		return gomail.SMTPAuthPlain
	case "login":
		return gomail.SMTPAuthLogin
	case "cram-md5":
		return gomail.SMTPAuthCramMD5
	case "scram-sha-1":
		return gomail.SMTPAuthSCRAMSHA1
	case "scram-sha-256":
		return gomail.SMTPAuthSCRAMSHA256
	}
	if c.TLS == TLSNone {
		// go-mail's discovery offers only challenge-response mechanisms
		// without TLS; PLAIN is then allowed to a loopback server only.
		return gomail.SMTPAuthPlain
	}
	return gomail.SMTPAuthAutoDiscover
}

// Send hands message m to the server: MAIL FROM the sender, RCPT TO each
// recipient, then the message's bytes (m.Raw, exactly what an .eml file of it
// holds). It returns when the server has accepted the message, or with the
// server's refusal; after a refusal the connection is reset and can send on.
func (c *Conn) Send(m *Message) (err error) {
	if err := c.client.UpdateDeadline(c.timeout()); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			c.client.Reset()
		}
	}()
	if err := c.client.Mail(m.sender); err != nil {
		return fmt.Errorf("MAIL FROM %s: %w", m.sender, err)
	}
	for _, to := range m.To {
		a, err := mail.ParseAddress(to)
		if err != nil {
			return fmt.Errorf("recipient %q: %w", to, err)
		}
		if err := c.client.Rcpt(a.Address); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", a.Address, err)
		}
	}
	w, err := c.client.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(m.Raw); err != nil {
		w.Close()
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of message: %w", err)
	}
	return nil
}

func (c *Conn) timeout() time.Duration { return c.cfg.Timeout }

// Close says QUIT and closes the connection.
func (c *Conn) Close() error {
	if c.client == nil || !c.client.HasConnection() {
		return nil
	}
	err := c.client.Quit()
	c.client.Close()
	return err
}
