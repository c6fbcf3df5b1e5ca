package ingest

import (
	"crypto/sha256"
	"encoding/hex"
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
