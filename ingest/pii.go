package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// hasher turns personal data into salted keys. The same input and salt give
// the same key, so visitors and customers can be counted and joined without
// the lake ever holding an e-mail or IP address.
type hasher struct {
	salt []byte
	buf  []byte   // the hashed message, reused
	out  [32]byte // the key in hex, reused
}

func newHasher(salt string) *hasher {
	return &hasher{salt: []byte(salt)}
}

// key returns the first 128 bits of SHA-256(salt, 0, part1, 0, part2, …) in hex.
func (p *hasher) key(parts ...string) string {
	b := append(p.buf[:0], p.salt...)
	for _, s := range parts {
		b = append(b, 0)
		b = append(b, s...)
	}
	p.buf = b
	sum := sha256.Sum256(b)
	hex.Encode(p.out[:], sum[:16])
	return string(p.out[:])
}

// email returns the key of an e-mail address (trimmed, lower-cased), or "".
func (p *hasher) email(s string) string {
	s = strings.ToLower(cleanCell(s))
	if s == "" {
		return ""
	}
	return p.key("email", s)
}

// DefaultURLParams are the query parameters that carry personal data in
// stored URLs unless configured otherwise (pii.url_params); matched without
// regard to case.
var DefaultURLParams = []string{"email", "e-mail", "mail", "name", "first_name", "last_name", "full_name", "fullname",
	"phone", "tel", "mobile", "address", "zip", "postcode", "ip"}

// urlScrubber replaces the values of personal query parameters by keys.
type urlScrubber struct {
	params map[string]bool
	hash   *hasher
	// the last URL scrubbed and its result: click URLs repeat row after
	// row (a stream's product links), and scrub depends on the URL alone
	lastIn, lastOut string
}

func newURLScrubber(params []string, h *hasher) *urlScrubber {
	if params == nil {
		params = DefaultURLParams
	}
	m := make(map[string]bool, len(params))
	for _, p := range params {
		m[strings.ToLower(strings.TrimSpace(p))] = true
	}
	return &urlScrubber{params: m, hash: h}
}

// scrub returns u with the value of every personal query parameter (and
// any e-mail address left in it) replaced by its key; u itself when it
// holds none.
func (s *urlScrubber) scrub(u string) string {
	if u == s.lastIn && u != "" {
		return s.lastOut
	}
	out := u
	q := strings.IndexByte(u, '?')
	if q >= 0 && strings.IndexByte(u[q:], '=') >= 0 && s.mayHold(u[q+1:]) {
		out = s.scrubQuery(u, q)
	}
	s.lastIn, s.lastOut = u, out
	return out
}

// scrubQuery is scrub of a URL whose query starts after u[q].
func (s *urlScrubber) scrubQuery(u string, q int) string {
	query, frag := u[q+1:], ""
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query, frag = query[:h], query[h:]
	}
	changed := false
	parts := strings.Split(query, "&")
	for i, kv := range parts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			continue
		}
		name := k
		if un, err := url.QueryUnescape(k); err == nil {
			name = un
		}
		if s.params[strings.ToLower(name)] {
			parts[i] = k + "=key-" + s.hash.key("url", strings.ToLower(name), v)
			changed = true
		}
	}
	if !changed {
		return u
	}
	return u[:q+1] + strings.Join(parts, "&") + frag
}

// mayHold tells whether a query may name a personal parameter, without
// allocating: a plain lower-case name is looked up as it is; a name with
// capitals, escapes or non-ASCII bytes (which scrub unescapes and folds)
// counts as one.
func (s *urlScrubber) mayHold(query string) bool {
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query = query[:h]
	}
	for query != "" {
		kv := query
		if i := strings.IndexByte(query, '&'); i >= 0 {
			kv, query = query[:i], query[i+1:]
		} else {
			query = ""
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			continue
		}
		for i := 0; i < len(k); i++ {
			if c := k[i]; c == '%' || c == '+' || 'A' <= c && c <= 'Z' || c >= 0x80 {
				return true
			}
		}
		if s.params[k] {
			return true
		}
	}
	return false
}

var (
	emailLike = regexp.MustCompile(`[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	ipv4Like  = regexp.MustCompile(`\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\b`)
	ipv6Like  = regexp.MustCompile(`(?i)(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}`)
	phoneLike = regexp.MustCompile(`\+\d[\d ().\-]{6,18}\d|\(?\b\d{3}\)?[ .\-]\d{3}[ .\-]\d{4}\b`)
)

// redact replaces every e-mail address, IP address and phone number in s
// by its key ("key:…"): for the cells of rejected rows and the raw lines of
// unparseable ones, which may hold personal data in any column.
func (p *hasher) redact(s string) string {
	if len(s) < 7 {
		return s
	}
	repl := func(m string) string { return "key:" + p.key("pii", m) }
	s = emailLike.ReplaceAllStringFunc(s, repl)
	s = ipv4Like.ReplaceAllStringFunc(s, repl)
	if strings.Count(s, ":") >= 2 {
		s = ipv6Like.ReplaceAllStringFunc(s, func(m string) string {
			if strings.Count(m, ":") < 2 || net.ParseIP(m) == nil {
				return m
			}
			return repl(m)
		})
	}
	return phoneLike.ReplaceAllStringFunc(s, repl)
}

// personalColumn tells a column whose name says it holds personal data
// (an extra "Customer Email" or "IP Address" a format does not read).
var personalColumn = regexp.MustCompile(`(?i)e-?mail|phone|mobile|^ip$|ip[ _]?address|address|street|(customer|buyer|billing|shipping|first|last|full|contact|recipient|user|account)[ _]?name|^(customer|buyer|user|username|author|nickname)$|zip|postal|postcode|user[ _]?agent`)
