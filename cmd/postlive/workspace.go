package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/reports"
	"github.com/postlive/postlive/workspace"
)

// session is a workspace (package workspace: its folder and configuration)
// opened by one command, with the command's lock, logger and progress bars.
type session struct {
	*workspace.Workspace
	cfg  *workspace.Config // = Workspace.Config
	lock *os.File
	log  *slog.Logger
	// progress starts a progress bar (a no-op off a terminal)
	progress func(what string, max int64, inBytes bool) *progress
	// terminal: stdout and stderr are one screen with text logs, so what
	// stdout says is not logged again
	terminal bool
}

// workspaceDir is the workspace folder the flags and environment name.
func (e *env) workspaceDir() string {
	d, _ := workspace.Dir(e.workspace)
	return d
}

// openWorkspace loads the workspace and, when lock is true, takes the
// workspace lock (waiting up to wait) and removes what an interrupted
// command left (a build's new warehouse, half-written reports, temporary
// files in .postlive/).
func (e *env) openWorkspace(lock bool, wait time.Duration) (*session, error) {
	dir, err := workspace.Dir(e.workspace)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, usagef("workspace %s is not a folder; pass --workspace DIR or set POSTLIVE_WORKSPACE", dir)
	}
	log := e.log
	if log == nil { // an env made by a test
		log = slog.New(slog.DiscardHandler)
	}
	ws := &session{Workspace: &workspace.Workspace{Dir: dir}, log: log, progress: e.newProgress, terminal: e.bars}
	if lock {
		if err := ws.acquire(wait, e.command); err != nil {
			return nil, err
		}
		if err := ws.RemoveInterrupted(); err != nil {
			ws.close()
			return nil, err
		}
		if err := reports.RemoveTemp(ws.ReportsDir()); err != nil {
			ws.close()
			return nil, err
		}
	}
	w, err := workspace.Load(dir)
	if err != nil {
		ws.close()
		return nil, err
	}
	ws.Workspace, ws.cfg = w, w.Config
	if os.Getenv("GOMEMLIMIT") == "" {
		// duckdb.memory_limit bounds the whole process: the Go heap gets its
		// share of it (workspace.Config.Memory)
		debug.SetMemoryLimit(w.Config.Memory().Go)
	}
	// Only where the settings come from, never their values: the config
	// holds secrets (pii.salt, e-mail credentials).
	log.Debug("workspace opened", "dir", dir, "config", ws.cfg.Source, "salt_from", ws.cfg.SaltSource, "locked", lock)
	return ws, nil
}

func (ws *session) close() {
	if ws.lock != nil {
		ws.lock.Truncate(0)
		syscall.Flock(int(ws.lock.Fd()), syscall.LOCK_UN)
		ws.lock.Close()
		ws.lock = nil
	}
}

// lockError says who holds the workspace (exit 4).
type lockError struct{ holder string }

func (e *lockError) Error() string {
	return "another postlive process holds the workspace lock (" + e.holder + "); wait for it, or pass --wait 10m"
}

// acquire takes an exclusive flock on .postlive/lock and writes who holds
// it: "pid 4242 on HOST since TIME (postlive run)". The kernel releases the
// lock when the holder's process ends, however it ends, so a lock left by a
// killed process never blocks: the next command takes it over and logs the
// dead holder's record, which a clean exit would have erased.
func (ws *session) acquire(wait time.Duration, command string) error {
	log := ws.log
	p := filepath.Join(ws.StateDir(), "lock")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	start := time.Now()
	deadline := start.Add(wait)
	waited := false
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return fmt.Errorf("lock %s: %w", p, err)
		}
		holder := lockHolder(f)
		if holder == "" {
			holder = "it left no record: not postlive (flock(1) during a backup?), or a postlive just starting"
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return &lockError{holder: holder}
		}
		if !waited {
			log.Warn("waiting for the workspace lock", "holder", holder, "wait", wait)
			waited = true
		}
		time.Sleep(min(200*time.Millisecond, time.Until(deadline)+time.Millisecond))
	}
	if waited {
		log.Info("workspace lock taken", "waited", time.Since(start))
	}
	if stale := lockHolder(f); stale != "" {
		log.Warn("took over the workspace lock of a process that ended without releasing it", "previous_holder", stale)
	}
	host, _ := os.Hostname()
	if command == "" {
		command = "postlive"
	}
	rec := fmt.Sprintf("pid %d on %s since %s (%s)", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339), command)
	if err := f.Truncate(0); err != nil {
		f.Close()
		return fmt.Errorf("lock %s: %w", p, err)
	}
	if _, err := f.WriteAt([]byte(rec+"\n"), 0); err != nil {
		f.Close()
		return fmt.Errorf("lock %s: %w", p, err)
	}
	ws.lock = f
	return nil
}

// lockHolder reads the holder record of the lock file.
func lockHolder(f *os.File) string {
	b := make([]byte, 512)
	n, _ := f.ReadAt(b, 0)
	return strings.TrimSpace(string(b[:n]))
}

// importOptions are the ingest options of the configuration, with what
// the command's flags say: format (empty: detect), merchant (empty:
// default_merchant) and the clock.
func (ws *session) importOptions(kind, format, merchant string, now func() time.Time) ingest.Options {
	opt := ws.ImportOptions(kind)
	opt.Format, opt.Now = format, now
	if merchant != "" {
		opt.Merchant = merchant
	}
	return opt
}
