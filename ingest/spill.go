package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/postlive/postlive/lake"
)

// heldRejects is how many rejects of an import are kept in memory (and in
// Stats.Rejects, for messages); the others wait in a spill file next to the
// rejects until the import writes them all to lake/_rejects. A file of a
// billion broken lines so costs disk, not memory.
const heldRejects = 10_000

// rejectSpill is the spill file of an import's rejects beyond heldRejects:
// one JSON object per reject, in the order they came.
type rejectSpill struct {
	f *os.File
	w *bufio.Writer
	n int
}

func newRejectSpill(l *lake.Lake) (*rejectSpill, error) {
	dir := filepath.Join(l.Dir, lake.Rejects)
	// hidden, and named as a temporary file (".tmp-"): not a Parquet file
	// any reader sees, and removed by the lake's clean-up if the import dies
	f, err := os.CreateTemp(dir, fmt.Sprintf(".spill-*.tmp-%d", os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("spill rejects: %w", err)
	}
	return &rejectSpill{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

func (s *rejectSpill) add(rj Reject) error {
	b, err := json.Marshal(rj)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("spill rejects to %s: %w", s.f.Name(), err)
	}
	s.n++
	return nil
}

// each calls fn with every spilled reject, in order.
func (s *rejectSpill) each(fn func(Reject) error) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spill rejects to %s: %w", s.f.Name(), err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReaderSize(s.f, 1<<16))
	for {
		var rj Reject
		if err := dec.Decode(&rj); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read spilled rejects %s: %w", s.f.Name(), err)
		}
		if err := fn(rj); err != nil {
			return err
		}
	}
}

// remove deletes the spill file (nil-safe).
func (s *rejectSpill) remove() {
	if s == nil {
		return
	}
	s.f.Close()
	os.Remove(s.f.Name())
}
