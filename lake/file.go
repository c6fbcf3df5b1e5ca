package lake

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// File is a lake file being written. It is written under a hidden temporary
// name in its folder (TempName) and renamed to its final name by Commit,
// once complete and synced; Abort removes it. No reader of the lake — a
// *.parquet glob, DuckDB, Spark, Hive, Trino — sees it before Commit.
//
// A write that fails (a full disk, an I/O error) is remembered and reported
// by Commit, naming the final path; File itself then accepts and drops
// every later byte. Writers that panic on a failed write (Arrow's Parquet
// writer does, for the file's first bytes) so never see one.
type File struct {
	final, tmp string
	f          *os.File
	w          *bufio.Writer
	err        error // the first failure
	closed     bool
}

// openTemp creates a temporary file; tests replace it to make writes fail.
var openTemp = func(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
}

// Create starts writing the file final (its folder is created).
func Create(final string) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", final, err)
	}
	tmp := TempName(final)
	f, err := openTemp(tmp)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", final, bare(err))
	}
	return &File{final: final, tmp: tmp, f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// Path is the file's final name.
func (f *File) Path() string { return f.final }

// Write writes p, or drops it after a failure (see File). It never fails.
func (f *File) Write(p []byte) (int, error) {
	if f.err == nil && !f.closed {
		if _, err := f.w.Write(p); err != nil {
			f.err = err
		}
	}
	return len(p), nil
}

// Close flushes, syncs and closes the temporary file; failures are kept
// for Commit. Writers that close their sink (Arrow's) may call it.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if f.err == nil {
		f.err = f.w.Flush()
	}
	if f.err == nil {
		f.err = f.f.Sync()
	}
	if err := f.f.Close(); f.err == nil {
		f.err = err
	}
	return nil
}

// Commit closes the file and renames it into place, or removes it and
// returns the first failure, naming the final path.
func (f *File) Commit() error {
	f.Close()
	if f.err != nil {
		os.Remove(f.tmp)
		return fmt.Errorf("write %s: %w", f.final, bare(f.err))
	}
	return Publish(f.tmp, f.final)
}

// Chmod sets the file's permissions before anything is written (a secret
// is never readable by others, not even while it is written).
func (f *File) Chmod(mode os.FileMode) error { return f.f.Chmod(mode) }

// Abort closes and removes the temporary file.
func (f *File) Abort() {
	f.Close()
	os.Remove(f.tmp)
}

// Fail makes Commit fail with err (a writer that found its own error).
func (f *File) Fail(err error) {
	if f.err == nil {
		f.err = err
	}
}

// WriteFile writes the file final atomically, as every postlive file is
// written: write fills it through a File (a hidden temporary name, synced,
// renamed into place when complete), so a reader sees the previous file or
// the whole new one. A failure — write's own or the disk's — removes the
// temporary file and is returned naming final.
func WriteFile(final string, write func(w io.Writer) error) error {
	f, err := Create(final)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", final, err)
	}
	return f.Commit()
}

// TempName is where final is written before it is complete: a hidden name
// in the same folder (.<name>.tmp-<pid>), which neither a *.parquet glob nor
// Spark, Hive or Trino (they skip names starting with a dot) read. Sweep
// removes such names left by an interrupted command.
func TempName(final string) string {
	return filepath.Join(filepath.Dir(final), fmt.Sprintf(".%s.tmp-%d", filepath.Base(final), os.Getpid()))
}

// isTemp reports whether a file name is a TempName.
func isTemp(name string) bool { return strings.Contains(name, ".tmp-") }

// Publish renames a complete temporary file written by someone else (DuckDB
// exporting a mart to TempName(final)) into place: it syncs it, renames it
// and syncs the folder. On failure it removes tmp and names final.
func Publish(tmp, final string) error {
	err := syncFile(tmp)
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", final, bare(err))
	}
	syncDir(filepath.Dir(final))
	return nil
}

func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename durable, as far as the file system allows (some
// refuse to sync a folder: best effort).
func syncDir(d string) {
	if f, err := os.Open(d); err == nil {
		f.Sync()
		f.Close()
	}
}

// bare drops the temporary name from an error of the os package: the
// message names the final file, which is what the user knows.
func bare(err error) error {
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// removeFile removes p; a file already gone is no error.
func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
