package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
)

// hasher turns personal data into salted keys. The same input and salt give
// the same key, so visitors and customers can be counted and joined without
// the lake ever holding an e-mail or IP address.
type hasher struct {
	salt []byte
	h    hash.Hash
	sum  []byte
	out  []byte
}

func newHasher(salt string) *hasher {
	return &hasher{salt: []byte(salt), h: sha256.New(), sum: make([]byte, 0, sha256.Size), out: make([]byte, 32)}
}

// key returns the first 128 bits of SHA-256(salt, 0, part1, 0, part2, …) in hex.
func (p *hasher) key(parts ...string) string {
	p.h.Reset()
	p.h.Write(p.salt)
	for _, s := range parts {
		p.h.Write([]byte{0})
		p.h.Write([]byte(s))
	}
	p.sum = p.h.Sum(p.sum[:0])
	hex.Encode(p.out, p.sum[:16])
	return string(p.out)
}

// email returns the key of an e-mail address (trimmed, lower-cased), or "".
func (p *hasher) email(s string) string {
	s = strings.ToLower(cleanCell(s))
	if s == "" {
		return ""
	}
	return p.key("email", s)
}
