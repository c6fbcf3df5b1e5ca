package ingest

import (
	"fmt"
	"strings"
	"testing"
)

// csvTrace reads in with the fast path on or off and renders every row:
// cells, line, the lines of multi-line cells, problem.
func csvTrace(t testing.TB, in string, fast, lazy bool) string {
	c, err := newCSVRows(strings.NewReader(in), 0)
	if err != nil {
		return "error: " + err.Error()
	}
	defer c.Close()
	c.fast = fast
	c.r.LazyQuotes = lazy
	var b strings.Builder
	for c.Next() {
		fmt.Fprintf(&b, "line %d %q", c.line, c.rec)
		for i := range c.rec {
			if l := c.fieldLine(i); l != c.line {
				fmt.Fprintf(&b, " cell %d on line %d", i+1, l)
			}
		}
		if rj := c.Err(); rj != nil {
			fmt.Fprintf(&b, " reject %d:%d %s %q", rj.Line, rj.Column, rj.What, rj.Value)
		}
		b.WriteByte('\n')
	}
	if c.Fatal() != nil {
		fmt.Fprintf(&b, "fatal %v\n", c.Fatal())
	}
	return b.String()
}

// TestCSVRowsFastPath: simple lines read by csvRows itself must come out
// exactly as encoding/csv reads them — cells, line numbers, problems — and
// lines it leaves to encoding/csv keep their numbers after it.
func TestCSVRowsFastPath(t *testing.T) {
	hdr := "a,b,c\n"
	for _, body := range []string{
		"1,2,3\n4,5,6\n",
		"1,\"x, y\",3\n\"\",,\"\"\n",
		"1,2,3\r\n4,5,6\r\n\r\n7,8,9",
		"1,\"two\nlines\",3\n4,5,6\n",
		"1,\"say \"\"hi\"\"\",3\n4,5,6\n",
		"1,bare\"quote,3\n4,5,6\n",
		"1,\"x\"y,3\n4,5,6\n",
		"1,2\n4,5,6,7\n\n\n8,9,10\n",
		"\"\"\n1,2,3\n",
		"1,2,3\n\"open,4,5\n6,7,8\n",
		"1,2,\"last\ncell\nhere\"\n4,5,6\n",
		"1,2,\"a\r\nb\"\r\n4,5,6\r\n",
		"1,\xff,3\n4,5,6\n",
		"1,2,3,\n,,\n",
		"x\r\r\n1,2,3\n",
		",\n,,\n",
	} {
		for _, lazy := range []bool{false, true} {
			in := hdr + body
			slow, fast := csvTrace(t, in, false, lazy), csvTrace(t, in, true, lazy)
			if slow != fast {
				t.Errorf("rows of %q (lazy quotes %v):\nencoding/csv:\n%s\nfast path:\n%s", in, lazy, slow, fast)
			}
		}
	}
}

// FuzzCSVRowsFastPath compares the fast path with encoding/csv on any input.
func FuzzCSVRowsFastPath(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a;b\n\"x;y\";2\r\n\n3;\"4\"\"\"\n", "a,b\n\"1\n2\",3\n4,5", "a,b\n1,\"2\"x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, lazy := range []bool{false, true} {
			if slow, fast := csvTrace(t, in, false, lazy), csvTrace(t, in, true, lazy); slow != fast {
				t.Fatalf("rows of %q (lazy quotes %v):\nencoding/csv:\n%s\nfast path:\n%s", in, lazy, slow, fast)
			}
		}
	})
}
