// Package escape makes data safe to show: CSV cells a spreadsheet will not
// run as formulas, and text a terminal will not obey. It is a leaf: every
// package that writes data for people (workspace, reports, cmd/postlive)
// calls it, and it imports nothing of postlive.
package escape

import (
	"strings"
	"unicode/utf8"
)

// formulaStart are the first characters that make a spreadsheet read a cell
// as a formula: = + - @, and tab and carriage return, which some
// spreadsheets skip before looking.
const formulaStart = "=+-@\t\r"

// CSV keeps a spreadsheet from reading a text cell as a formula: a cell
// starting with = + - @, a tab or a carriage return gets a leading
// apostrophe. Only text cells pass through it; numbers are written as
// numbers (a negative amount stays -12.50).
func CSV(s string) string {
	if s != "" && strings.IndexByte(formulaStart, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// UnCSV undoes CSV: a cell that starts with an apostrophe before a formula
// character is the text after it (reading back a file postlive wrote).
func UnCSV(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte(formulaStart, s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// Terminal makes text from data safe to print on a terminal: control
// characters (C0 including tab and newline, DEL, C1 — the escape sequences
// that set a window title, clear the screen or move the cursor, and line
// breaks that forge a log line) are written as Go escapes (\x1b, \n, \t,
// \u009b) and bytes that are not UTF-8 as \xNN. Printable text, including
// every non-ASCII letter and the backslash, is unchanged (a message that
// already quotes its values with %q is not escaped twice).
func Terminal(s string) string {
	if !needsTerminal(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case r >= 0x80 && r < 0xa0:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

const hex = "0123456789abcdef"

func needsTerminal(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return true
		}
		if c >= 0x80 {
			r, n := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && n == 1) || (r >= 0x80 && r < 0xa0) {
				return true
			}
			i += n - 1
		}
	}
	return false
}
