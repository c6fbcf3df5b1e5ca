// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) on
// the loopback interface for tests, as net/http/httptest does for HTTP: it
// requires AUTH PLAIN with one user and password when given, speaks STARTTLS or
// implicit TLS with a fresh self-signed certificate when asked, refuses the
// recipients it is told to, and keeps every message it accepted, byte for byte.
//
// It is test support: no postlive command imports it.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configures Start.
type Options struct {
	// User and Password, when User is set, are the only credentials accepted,
	// and a client must authenticate before MAIL FROM.
	User, Password string
	// TLS is "" (no TLS), "starttls" or "tls" (implicit TLS from the first byte).
	TLS string
	// Reject lists recipients refused with 550 at RCPT TO.
	Reject []string
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
	// User is the authenticated user ("" without AUTH); TLS says whether the
	// connection was encrypted when the message was sent.
	User string
	TLS  bool
}

// Server is a running test server.
type Server struct {
	Host string // 127.0.0.1
	Port int
	// CAFile is a PEM file with the server's self-signed certificate, for the
	// client to trust (empty without TLS).
	CAFile string

	opt  Options
	mu   sync.Mutex
	msgs []Message
	auth []string // every user that tried AUTH, for tests of failed logins
}

// Start runs a server on 127.0.0.1 on a free port until the test ends.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	s := &Server{Host: "127.0.0.1", opt: opt}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 50 << 20
	srv.MaxRecipients = 50
	srv.AllowInsecureAuth = opt.TLS == ""
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opt.TLS != "" {
		cert, caFile, err := selfSigned(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		s.CAFile = caFile
		tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		switch opt.TLS {
		case "starttls":
			srv.TLSConfig = tc
		case "tls":
			l = tls.NewListener(l, tc)
		default:
			t.Fatalf("smtptest: TLS %q is not starttls or tls", opt.TLS)
		}
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// Logins lists the user names of every AUTH attempt, successful or not.
func (s *Server) Logins() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.auth)
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (se *session) AuthMechanisms() []string {
	if se.s.opt.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		se.s.mu.Lock()
		se.s.auth = append(se.s.auth, username)
		se.s.mu.Unlock()
		if username != se.s.opt.User || password != se.s.opt.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		se.user = username
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.opt.User != "" && se.user == "" {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if slices.Contains(se.s.opt.Reject, to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unavailable"}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := se.conn.TLSConnectionState()
	se.s.mu.Lock()
	se.s.msgs = append(se.s.msgs, Message{From: se.from, To: slices.Clone(se.to), Data: b, User: se.user, TLS: isTLS})
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for a
// day, and writes it as PEM into dir.
func selfSigned(dir string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "postlive smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	path := filepath.Join(dir, "smtptest-ca.pem")
	if err := os.WriteFile(path, certPEM, 0o644); err != nil {
		return tls.Certificate{}, "", err
	}
	return cert, path, nil
}
