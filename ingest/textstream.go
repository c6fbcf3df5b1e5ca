package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxRecordBytes bounds a line (and a CSV record) of an export unless
// configured otherwise (import.max_record_bytes): far above any real export's
// row, far below what would strain memory.
const DefaultMaxRecordBytes = 1 << 20

// textStream is what every text reader (CSV, JSONL, log lines) reads through:
//
//   - Line endings: LF, CRLF and a bare CR (old Mac and Excel exports) each
//     end a line and come out as one LF, so that every reader and every line
//     number sees the same lines, whatever mix the file holds. (Inside a
//     quoted CSV cell a line break stays a line break: encoding/csv already
//     reads CRLF there as LF.)
//   - Memory: a line longer than max bytes is cut at max bytes, the rest up
//     to its line break dropped, and its number recorded (long); the reader
//     rejects the record holding it and goes on at the next line. The cut
//     line ends in "\x01\"", which closes whatever CSV field was open, so a
//     CSV parser resumes at the next line (see closeField).
//   - A CSV record spanning lines (a quoted cell with line breaks) is bounded
//     too: when the parser has read more than max bytes since the last record
//     it finished (mark), the current line is cut and closed the same way.
//
// Peak memory of reading so depends on max, not on the file.
type textStream struct {
	r            io.Reader
	max          int
	src          []byte // bytes read from r, not yet passed on
	buf          []byte
	eof          error
	pendingCR    bool  // the last byte passed on was a CR (as LF): drop a following LF
	line         int   // line breaks passed on
	cur          int   // bytes of the current line passed on
	skipping     bool  // dropping the rest of a long line
	close        bool  // the cut line still needs its closeField
	pendingClose bool  // the second byte of closeField is still to come
	long         []int // numbers of cut lines not yet taken (ascending)
	emitted      int64 // bytes passed on
	markAt       int64 // emitted when the reader last finished a record
	slack        int64 // how far the reader may read ahead of its records (its buffer)
}

// closeField ends a cut line: a byte that is neither a quote nor a delimiter,
// then a quote. In an unquoted field the quote is a bare quote (an error,
// after which encoding/csv resumes at the next line, or with LazyQuotes a
// literal); in a quoted field it closes the field before the line break; just
// after a quote the \x01 is an error again. Either way the record ends at
// this line.
const closeField = "\x01\""

func newTextStream(r io.Reader, max int) *textStream {
	if max <= 0 {
		max = DefaultMaxRecordBytes
	}
	return &textStream{r: r, max: max, buf: make([]byte, 64<<10)}
}

// mark tells the stream that its reader finished a record: the bytes passed
// on so far, less the reader's buffer, belong to finished records.
func (t *textStream) mark(slack int) {
	t.markAt, t.slack = t.emitted, int64(slack)
}

// takeLong reports whether a line in [first, last] was cut, forgetting the
// cut lines before last.
func (t *textStream) takeLong(first, last int) (int, bool) {
	if t == nil {
		return 0, false
	}
	hit := 0
	for len(t.long) > 0 && t.long[0] <= last {
		if t.long[0] >= first && hit == 0 {
			hit = t.long[0]
		}
		t.long = t.long[1:]
	}
	return hit, hit > 0
}

// errTooLong describes a cut record for a reject.
func (t *textStream) tooLongWhat() string {
	return fmt.Sprintf("is longer than %s (import.max_record_bytes); it was not read", byteSize(t.max))
}

const tooLongHint = "check the file for a missing line break or an unclosed quote; raise import.max_record_bytes if the record is real"

func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func (t *textStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(t.src) == 0 && (t.skipping && t.eof == nil || !t.skipping && !t.close && !t.pendingClose) {
			if t.eof != nil || n > 0 {
				break // at the end, or pass on what there is before blocking on r
			}
			m, err := t.r.Read(t.buf)
			t.src = t.buf[:m]
			if err != nil {
				t.eof = err
			}
			continue
		}
		w := t.step(p[n:])
		n += w
		t.emitted += int64(w)
	}
	if n == 0 && t.eof != nil {
		if !errors.Is(t.eof, io.EOF) {
			return 0, t.eof
		}
		return 0, io.EOF
	}
	return n, nil
}

// step passes on what it can of t.src into out and returns how many bytes it
// wrote; it consumes at least one byte of t.src or writes at least one.
func (t *textStream) step(out []byte) int {
	src := t.src
	if t.skipping {
		i := eolIndex(src)
		if i < 0 {
			t.src = nil
			if t.eof == nil {
				return 0
			}
			i = 0 // a cut last line without a line break
		}
		t.src = src[i:]
		t.skipping = false
		return 0
	}
	if t.close {
		t.close = false
		out[0] = closeField[0]
		if len(out) > 1 {
			out[1] = closeField[1]
			return 2
		}
		t.pendingClose = true
		return 1
	}
	if t.pendingClose {
		t.pendingClose = false
		out[0] = closeField[1]
		return 1
	}
	switch src[0] {
	case '\n':
		t.src = src[1:]
		if t.pendingCR {
			t.pendingCR = false
			return 0
		}
		out[0] = '\n'
		t.endLine()
		return 1
	case '\r':
		t.src = src[1:]
		t.pendingCR = true
		out[0] = '\n'
		t.endLine()
		return 1
	}
	t.pendingCR = false
	i := eolIndex(src)
	if i < 0 {
		i = len(src)
	}
	room := t.max - t.cur
	if t.slack > 0 {
		// a CSV record spanning lines: what its reader has not finished
		open := t.emitted - t.markAt - t.slack
		room = int(max(min(int64(room), int64(t.max)-open), 0))
	}
	if room == 0 {
		t.cut()
		return 0
	}
	k := min(i, room, len(out))
	copy(out, src[:k])
	t.src = src[k:]
	t.cur += k
	return k
}

// cut starts dropping the rest of the current line.
func (t *textStream) cut() {
	t.long = append(t.long, t.line+1)
	t.skipping, t.close = true, true
	t.markAt = t.emitted // the reader will reject this record: count afresh
}

func (t *textStream) endLine() {
	t.line++
	t.cur = 0
}

// eolIndex returns the index of the first CR or LF in b, or -1.
func eolIndex(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	lim := b
	if i >= 0 {
		lim = b[:i]
	}
	if j := bytes.IndexByte(lim, '\r'); j >= 0 {
		return j
	}
	return i
}
