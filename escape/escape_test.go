package escape

import "testing"

func TestCSV(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"},
		{"+1", "'+1"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=b", "a=b"},
		{"'=already", "'=already"},
	} {
		if got := CSV(c.in); got != c.want {
			t.Errorf("CSV(%q) = %q, want %q", c.in, got, c.want)
		}
		if c.in != "" && c.in[0] != '\'' {
			if back := UnCSV(CSV(c.in)); back != c.in {
				t.Errorf("UnCSV(CSV(%q)) = %q", c.in, back)
			}
		}
	}
	if got := UnCSV("'plain"); got != "'plain" {
		t.Errorf("UnCSV kept no apostrophe before a non-formula character: %q", got)
	}
}

func TestTerminal(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"Glow drop 🎁 — día", "Glow drop 🎁 — día"},
		{"\x1b]0;pwned\x07title", `\x1b]0;pwned\x07title`},
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"line\n2026-11-21 INFO forged", `line\n2026-11-21 INFO forged`},
		{"a\tb\rc", `a\tb\rc`},
		{"del\x7f", `del\x7f`},
		{"csi\u009b31m", `csi\u009b31m`},
		{"bad\xffutf8", `bad\xffutf8`},
		{`back\slash`, `back\slash`},
	} {
		if got := Terminal(c.in); got != c.want {
			t.Errorf("Terminal(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// nothing a terminal obeys survives
	for i := 0; i < 0x100; i++ {
		s := Terminal(string(rune(i)))
		for _, r := range s {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Errorf("Terminal(%U) = %q keeps a control character", i, s)
			}
		}
	}
}
