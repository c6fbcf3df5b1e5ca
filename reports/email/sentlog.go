package email

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// statusMarked is the status of an entry written by --mark-sent: recorded
// as sent, never sent.
const statusMarked = "marked"

// Entry is one line of the sent-log: a stream report sent to an affiliate.
type Entry struct {
	SentAt      time.Time `json:"sent_at"`
	AffiliateID string    `json:"affiliate_id"`
	StreamID    string    `json:"stream_id"`
	Fingerprint string    `json:"fingerprint"`
	Status      string    `json:"status"`
	MessageID   string    `json:"message_id"`
}

// SentLog is the record of the stream reports sent, a JSON Lines file in the
// workspace (one Entry per stream and message, oldest first). It is what keeps
// a report from being sent twice: a stream is due again only when its
// fingerprint differs from that of its last entry.
type SentLog struct {
	path    string
	entries []Entry
	last    map[[2]string]int // (affiliate, stream) → index of its last entry
	first   map[[2]string]int
}

// OpenSentLog reads the sent-log at path; a missing file is an empty log.
// A line that is not an entry is an error naming the file and line.
func OpenSentLog(path string) (*SentLog, error) {
	l := &SentLog{path: path, last: map[[2]string]int{}, first: map[[2]string]int{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read sent-log: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || e.AffiliateID == "" || e.StreamID == "" || e.Fingerprint == "" {
			what := "missing affiliate_id, stream_id or fingerprint"
			if err != nil {
				what = err.Error()
			}
			return nil, &LogError{Path: path, Line: n, Msg: what}
		}
		l.add(e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read sent-log %s: %w", path, err)
	}
	return l, nil
}

// LogError is a sent-log line that cannot be read.
type LogError struct {
	Path string
	Line int
	Msg  string
}

func (e *LogError) Error() string {
	return fmt.Sprintf("%s:%d:1: not a sent-log entry (%s); repair or delete the line (deleting it lets that report be sent again)", e.Path, e.Line, e.Msg)
}

func (l *SentLog) add(e Entry) {
	k := [2]string{e.AffiliateID, e.StreamID}
	if _, ok := l.first[k]; !ok && e.Status != statusMarked {
		l.first[k] = len(l.entries)
	}
	l.last[k] = len(l.entries)
	l.entries = append(l.entries, e)
}

// Path is the file the log is kept in.
func (l *SentLog) Path() string { return l.path }

// Len counts the entries.
func (l *SentLog) Len() int { return len(l.entries) }

// Last is the newest entry of a stream sent to an affiliate.
func (l *SentLog) Last(affiliate, stream string) (Entry, bool) {
	i, ok := l.last[[2]string{affiliate, stream}]
	if !ok {
		return Entry{}, false
	}
	return l.entries[i], true
}

// FirstSent is when a stream was first sent to an affiliate; false when it
// never was (entries of --mark-sent do not count).
func (l *SentLog) FirstSent(affiliate, stream string) (time.Time, bool) {
	if i, ok := l.first[[2]string{affiliate, stream}]; ok {
		return l.entries[i].SentAt, true
	}
	return time.Time{}, false
}

// Record adds the streams of message m, sent at t, and rewrites the file
// atomically (a temporary file, synced, renamed over the log, the folder
// synced): a crash leaves the old log or the new one, never half a line.
func (l *SentLog) Record(m *Message, t time.Time) error {
	for _, it := range m.Items {
		l.add(Entry{SentAt: t.UTC(), AffiliateID: m.Affiliate, StreamID: it.Stream.ID, Fingerprint: it.Fingerprint, Status: it.Status, MessageID: m.MessageID})
	}
	return l.save()
}

// RecordBatch adds the streams of a batch as sent without sending them
// (postlive send --mark-sent).
func (l *SentLog) RecordBatch(b Batch, t time.Time) error {
	for _, it := range b.Items {
		l.add(Entry{SentAt: t.UTC(), AffiliateID: b.Affiliate, StreamID: it.Stream.ID, Fingerprint: it.Fingerprint, Status: statusMarked})
	}
	return l.save()
}

func (l *SentLog) save() error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range l.entries {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	dir := filepath.Dir(l.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write sent-log: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(l.path)+"-*")
	if err != nil {
		return fmt.Errorf("write sent-log: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o600)
	}
	if err == nil {
		err = os.Rename(tmp, l.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write sent-log %s: %w", l.path, err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
