package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/postlive/postlive/ingest"
	"github.com/postlive/postlive/lake"
	"github.com/postlive/postlive/models"
	"github.com/postlive/postlive/reports"
)

// workspace is the folder postlive works in: postlive.yaml, inbox/, lake/,
// warehouse.duckdb, reports/ and .postlive/ (salt, lock).
type workspace struct {
	dir  string
	cfg  *config
	lake *lake.Lake
	lock *os.File
	log  *slog.Logger
	// progress starts a progress bar (a no-op off a terminal)
	progress func(what string, max int64, inBytes bool) *progress
}

func (e *env) workspaceDir() string {
	if e.workspace != "" {
		return e.workspace
	}
	if w := os.Getenv("POSTLIVE_WORKSPACE"); w != "" {
		return w
	}
	d, _ := os.Getwd()
	return d
}

// openWorkspace loads config and, when lock is true, takes the workspace lock
// (waiting up to wait) and removes temporary files an interrupted command
// left in .postlive/.
func (e *env) openWorkspace(lock bool, wait time.Duration) (*workspace, error) {
	dir, err := filepath.Abs(e.workspaceDir())
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
	ws := &workspace{dir: dir, lake: lake.In(dir), log: log, progress: e.newProgress}
	if lock {
		if err := ws.acquire(wait, e.command); err != nil {
			return nil, err
		}
		if err := ws.cleanTemp(); err != nil {
			ws.close()
			return nil, err
		}
	}
	if ws.cfg, err = loadConfig(dir); err != nil {
		ws.close()
		return nil, err
	}
	// Only where the settings come from, never their values: the config
	// holds secrets (pii.salt, e-mail credentials).
	log.Debug("workspace opened", "dir", dir, "config", ws.cfg.Source, "salt_from", ws.cfg.SaltSource, "locked", lock)
	return ws, nil
}

func (ws *workspace) close() {
	if ws.lock != nil {
		ws.lock.Truncate(0)
		syscall.Flock(int(ws.lock.Fd()), syscall.LOCK_UN)
		ws.lock.Close()
		ws.lock = nil
	}
}

func (ws *workspace) warehousePath() string { return filepath.Join(ws.dir, "warehouse.duckdb") }

// cleanTemp removes what a killed command left outside the lake: the new
// warehouse of an interrupted build, half-written reports, and the
// temporary run state or salt in .postlive/ (all written under temporary
// names and renamed when complete). Lake.Init sweeps the lake.
func (ws *workspace) cleanTemp() error {
	if err := models.RemoveInterrupted(ws.warehousePath()); err != nil {
		return err
	}
	if err := reports.RemoveTemp(filepath.Join(ws.dir, "reports")); err != nil {
		return err
	}
	dir := filepath.Join(ws.dir, ".postlive")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, en := range entries {
		if strings.Contains(en.Name(), ".tmp") && !en.IsDir() {
			if err := os.Remove(filepath.Join(dir, en.Name())); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
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
func (ws *workspace) acquire(wait time.Duration, command string) error {
	log := ws.log
	p := filepath.Join(ws.dir, ".postlive", "lock")
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

// importFingerprint names the configuration an import depends on: when it
// changes, `run` offers files imported with rejects to ingest again.
func (ws *workspace) importFingerprint() string {
	c := ws.cfg
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00", c.Salt, c.StreamParam, c.DefaultMerchant, c.BotPatterns)
	for _, m := range []map[string]string{c.TimeZones, c.Currencies, c.Decimals} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(h, "%s=%s\x00", k, m[k])
		}
		h.Write([]byte{1})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// importOptions are the ingest options the config implies.
func (ws *workspace) importOptions(ctx context.Context, kind, format, merchant string, now func() time.Time) ingest.Options {
	if merchant == "" {
		merchant = ws.cfg.DefaultMerchant
	}
	return ingest.Options{
		Kind: kind, Format: format, Merchant: merchant, Salt: ws.cfg.Salt, BotPatterns: ws.cfg.BotPatterns,
		StreamParam: ws.cfg.StreamParam, TimeZones: ws.cfg.TimeZones, Now: now,
		Currencies: ws.cfg.Currencies, Decimals: ws.cfg.Decimals,
	}
}
