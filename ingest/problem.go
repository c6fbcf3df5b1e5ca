package ingest

import (
	"fmt"
	"strconv"
)

// Reject is one rejected input row: where it is, which cell, what is wrong and
// what to do. Record holds the row as JSON with personal data replaced by its
// salted key, so the rejects never hold raw personal data either.
type Reject struct {
	Line   int
	Column int // 1-based position of the cell in the row
	Field  string
	Value  string
	What   string
	Hint   string
	Record string
	// Sheet names the XLSX sheet of the row when an import reads several
	// sheets of one workbook (Amazon's Fee-Orders and Fee-Earnings).
	Sheet string
}

// Message formats the reject as `FILE:LINE:COLUMN: problem; what to do`.
func (r Reject) Message(file string) string {
	if r.Sheet != "" {
		file += "[" + r.Sheet + "]"
	}
	msg := fmt.Sprintf("%s:%d:%d: ", file, r.Line, r.Column)
	if r.Field != "" {
		msg += strconv.Quote(r.Field) + ": "
		msg += quoteValue(r.Value) + " "
	}
	msg += r.What
	if r.Hint != "" {
		msg += "; " + r.Hint
	}
	return msg
}

// quoteValue quotes a cell for a message, shortened to keep lines readable.
func quoteValue(s string) string {
	const max = 60
	if len([]rune(s)) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return strconv.Quote(s)
}

// FileError is a problem with a whole file (unknown header, unreadable
// encoding) rather than with a row. It is a usage error for the CLI.
type FileError struct {
	File   string
	Line   int
	Column int // 1-based column of the header cell at fault, 0 when none
	Msg    string
}

func (e *FileError) Error() string {
	if e.Line > 0 && e.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}
