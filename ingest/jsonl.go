package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonlRows reads one JSON object per line, keeping the key order and the
// column (byte offset + 1) where each value starts, for messages.
type jsonlRows struct {
	sc    *bufio.Scanner
	line  int
	keys  []string
	vals  []string
	cols  []int
	err   *Reject
	raw   string
	fatal error
	ts    *textStream // the stream r reads from, when it is one: cut lines
}

// newJSONLRows reads the lines of r; ts, when r reads from it, bounds them.
func newJSONLRows(r io.Reader, ts *textStream) *jsonlRows {
	return &jsonlRows{sc: lineScanner(r, ts), ts: ts}
}

// lineScanner scans the lines of r: as long as the textStream under it lets
// them be (plus the bytes closing a cut line), else up to 16 MiB.
func lineScanner(r io.Reader, ts *textStream) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	limit := 16 << 20
	if ts != nil {
		limit = ts.max + len(closeField) + 2
	}
	sc.Buffer(make([]byte, min(1<<16, limit)), limit)
	return sc
}

// cutText is what a reject keeps of a line that was cut for its length.
func cutText(b []byte) string {
	const keep = 256
	if len(b) <= keep {
		return string(b)
	}
	return string(b[:keep]) + "…"
}

// Next reads the next non-blank line.
func (j *jsonlRows) Next() bool {
	for j.sc.Scan() {
		j.line++
		b := bytes.TrimRight(j.sc.Bytes(), "\r")
		if j.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		j.keys, j.vals, j.cols, j.err = j.keys[:0], j.vals[:0], j.cols[:0], nil
		if long, ok := j.ts.takeLong(j.line, j.line); ok {
			j.raw = cutText(b)
			j.err = &Reject{Line: long, Column: 1, What: j.ts.tooLongWhat(), Hint: tooLongHint}
			return true
		}
		j.raw = string(b)
		if !utf8.Valid(b) {
			j.err = &Reject{Line: j.line, Column: 1, What: "is not valid UTF-8", Hint: "save the file as UTF-8 and import it again"}
			return true
		}
		if err := j.parse(b); err != nil {
			j.err = err
		}
		return true
	}
	if err := j.sc.Err(); err != nil {
		j.fatal = err
	}
	return false
}

func (j *jsonlRows) parse(b []byte) *Reject {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	bad := func(what string) *Reject {
		return &Reject{Line: j.line, Column: int(dec.InputOffset()) + 1, What: what, Hint: "write one JSON object per line, like {\"stream_id\":\"s1\",\"ts\":\"2026-11-05T19:00:00Z\"}"}
	}
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return bad("is not a JSON object")
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return bad("is not valid JSON (" + err.Error() + ")")
		}
		key, _ := kt.(string)
		col := int(dec.InputOffset()) + 2
		var v any
		if err := dec.Decode(&v); err != nil {
			return bad("is not valid JSON (" + err.Error() + ")")
		}
		var s string
		switch x := v.(type) {
		case nil:
		case string:
			s = x
		case json.Number:
			s = x.String()
		case bool:
			s = strconv.FormatBool(x)
		default:
			var raw bytes.Buffer
			enc := json.NewEncoder(&raw)
			enc.SetEscapeHTML(false)
			enc.Encode(x)
			return &Reject{Line: j.line, Column: col, Field: key, Value: strings.TrimSpace(raw.String()), What: "is a nested value", Hint: "use plain strings, numbers or booleans"}
		}
		j.keys = append(j.keys, key)
		j.vals = append(j.vals, s)
		j.cols = append(j.cols, col)
	}
	if _, err := dec.Token(); err != nil {
		return bad("is not valid JSON (" + err.Error() + ")")
	}
	// exactly one value per line: a second object or trailing text is not
	// part of this row, and not a row of its own
	if off := int(dec.InputOffset()); len(bytes.TrimSpace(b[off:])) > 0 {
		return &Reject{Line: j.line, Column: off + 1 + len(b[off:]) - len(bytes.TrimLeft(b[off:], " \t")), What: "has more after its JSON object",
			Hint: "write exactly one JSON object per line; put a second object on a line of its own"}
	}
	return nil
}
