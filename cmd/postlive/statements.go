package main

import "strings"

// statements counts the SQL statements in q: the parts between semicolons
// that hold more than white space and comments. Semicolons inside quoted
// strings ('…', E'…'), quoted identifiers ("…"), dollar-quoted strings
// ($$…$$, $tag$…$tag$) and comments (-- … and /* … */) do not count.
func statements(q string) int {
	n := 0
	content := false // the current statement has something besides blanks and comments
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == ';':
			if content {
				n++
			}
			content = false
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				i = len(q)
			} else {
				i += 2 + end + 1
			}
		case c == '\'' || c == '"':
			content = true
			for i++; i < len(q); i++ {
				if q[i] == c {
					if i+1 < len(q) && q[i+1] == c { // '' inside '…'
						i++
						continue
					}
					break
				}
			}
		case c == '$':
			content = true
			if tag, ok := dollarTag(q[i:]); ok {
				end := strings.Index(q[i+len(tag):], tag)
				if end < 0 {
					i = len(q)
				} else {
					i += len(tag) + end + len(tag) - 1
				}
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
		default:
			content = true
		}
	}
	if content {
		n++
	}
	return n
}

// dollarTag returns the opening $tag$ at the start of s ($$ or $name$).
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		if c == '$' {
			return s[:j+1], true
		}
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || (j > 1 && c >= '0' && c <= '9')) {
			return "", false
		}
	}
	return "", false
}
