package main

import "testing"

func TestStatements(t *testing.T) {
	for _, c := range []struct {
		q    string
		want int
	}{
		{"select 1", 1},
		{"select 1;", 1},
		{"select 1;  \n -- done\n", 1},
		{"select 1; select 2", 2},
		{"select 1;;", 1},
		{"select ';' as s", 1},
		{"select 'it''s; fine'", 1},
		{`select 1 as "a;b"`, 1},
		{"select $$a;b$$", 1},
		{"select $x$a;b$x$; select 2", 2},
		{"select 1 -- a; comment\n", 1},
		{"select /* ; */ 1", 1},
		{"/* only a comment */", 0},
		{"", 0},
		{"select $1", 1},
	} {
		if got := statements(c.q); got != c.want {
			t.Errorf("statements(%q) = %d, want %d", c.q, got, c.want)
		}
	}
}
