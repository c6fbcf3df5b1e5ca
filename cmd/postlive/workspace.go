package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/postlive/postlive/ingest"
)

// workspace is the folder postlive works in: postlive.yaml, inbox/, lake/,
// warehouse.duckdb, reports/ and .postlive/ (salt, lock).
type workspace struct {
	dir  string
	cfg  *config
	lake *ingest.Lake
	lock *os.File
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

// openWorkspace loads config and, when lock is true, takes the workspace lock.
func (e *env) openWorkspace(lock bool, wait time.Duration) (*workspace, error) {
	dir, err := filepath.Abs(e.workspaceDir())
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, usagef("workspace %s is not a folder; pass --workspace DIR or set POSTLIVE_WORKSPACE", dir)
	}
	ws := &workspace{dir: dir, lake: &ingest.Lake{Dir: filepath.Join(dir, "lake")}}
	if lock {
		if err := ws.acquire(wait); err != nil {
			return nil, err
		}
	}
	if ws.cfg, err = loadConfig(dir); err != nil {
		ws.close()
		return nil, err
	}
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

// lockError says who holds the workspace (exit 4).
type lockError struct{ holder string }

func (e *lockError) Error() string {
	return "another postlive process holds the workspace lock (" + e.holder + "); wait for it, or pass --wait 10m"
}

// acquire takes an exclusive flock on .postlive/lock. The kernel releases it
// when the holder dies, so a stale lock from a killed process never blocks.
func (ws *workspace) acquire(wait time.Duration) error {
	p := filepath.Join(ws.dir, ".postlive", "lock")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(wait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(p)
			f.Close()
			holder := strings.TrimSpace(string(b))
			if holder == "" {
				holder = "unknown holder"
			}
			return &lockError{holder: holder}
		}
		time.Sleep(200 * time.Millisecond)
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("pid %s on %s since %s", strconv.Itoa(os.Getpid()), host, time.Now().UTC().Format(time.RFC3339))), 0)
	ws.lock = f
	return nil
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
