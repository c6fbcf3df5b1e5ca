package workspace

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The share of duckdb.memory_limit kept out of DuckDB's buffer manager: what
// the process holds besides it — DuckDB's allocations outside the buffer
// manager (Parquet and hash-table scratch, per-thread caches, the allocator's
// free lists), the Go heap, the binary — measured 0.61 GiB (1.9M clicks,
// DuckDB at 1 GiB) to 1.04 GiB (27.9M clicks, DuckDB at 8.94 GiB) as peak RSS
// minus DuckDB's limit (BENCHMARKS.md § A year of an agency). DuckDB gets the
// limit minus the larger of headroomShare of it and headroomFloor.
const (
	headroomShare = 0.2
	headroomFloor = 1 << 30
	// goHeapShare of the headroom is the Go heap's soft limit, at most
	// goHeapMax (the default without a limit; imports stay flat under it).
	goHeapShare = 0.25
	goHeapMax   = 200 << 20
	// minMemoryLimit is the least duckdb.memory_limit postlive accepts: the
	// floor of the headroom and 1 GiB for DuckDB (with 512 MiB DuckDB runs
	// out of memory in int_click_duplicates on 1.9M clicks: a window does
	// not spill).
	minMemoryLimit = headroomFloor + 1<<30
)

// DefaultGoMemoryLimit is the Go heap's soft limit without
// duckdb.memory_limit (and without GOMEMLIMIT).
const DefaultGoMemoryLimit = goHeapMax

// Memory is how the process's memory limit (duckdb.memory_limit) is shared
// between DuckDB and the rest of the process. The one place that decides it.
type Memory struct {
	Limit  int64 // the configured limit in bytes; 0 = none
	DuckDB int64 // bytes DuckDB's buffer manager gets; 0 = DuckDB's default (80 % of RAM)
	Go     int64 // the Go heap's soft limit (debug.SetMemoryLimit)
}

// Memory shares duckdb.memory_limit: DuckDB gets the limit minus a
// headroom of max(20 % of it, 1 GiB), the Go heap's soft limit is a quarter
// of that headroom, at most 200 MiB. Without a limit DuckDB takes its
// default and the Go heap 200 MiB.
func (c *Config) Memory() Memory {
	if c.MemoryLimit <= 0 {
		return Memory{Go: goHeapMax}
	}
	head := max(int64(float64(c.MemoryLimit)*headroomShare), headroomFloor)
	return Memory{Limit: c.MemoryLimit, DuckDB: c.MemoryLimit - head, Go: min(int64(float64(head)*goHeapShare), goHeapMax)}
}

// DuckDBSetting is the value of DuckDB's memory_limit setting: the bytes
// DuckDB gets ("6871947673B"), or "" for DuckDB's default.
func (m Memory) DuckDBSetting() string {
	if m.DuckDB <= 0 {
		return ""
	}
	return strconv.FormatInt(m.DuckDB, 10) + "B"
}

// byteUnits are the units duckdb.memory_limit accepts, as DuckDB reads them:
// KB, MB, GB, TB are powers of 1000, KiB … TiB powers of 1024.
var byteUnits = map[string]float64{
	"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseBytes reads a size like "8GB", "7.5 GiB" or "512MiB".
func parseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, fmt.Errorf("%q is not a size; write it like 8GB (KB, MB, GB, TB = 1000^n bytes; KiB, MiB, GiB, TiB = 1024^n)", s)
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	unit, ok := byteUnits[strings.TrimSpace(t[i:])]
	if err != nil || !ok {
		return 0, fmt.Errorf("%q is not a size; write it like 8GB (KB, MB, GB, TB = 1000^n bytes; KiB, MiB, GiB, TiB = 1024^n)", s)
	}
	return int64(n * unit), nil
}

// memoryLimitKey reads duckdb.memory_limit: empty for none, else a size of
// at least 2 GiB.
func memoryLimitKey(c *Config, _ string, v value) error {
	if strings.TrimSpace(v.text) == "" {
		c.MemoryLimit = 0
		return nil
	}
	n, err := parseBytes(v.text)
	if err != nil {
		return err
	}
	if n < minMemoryLimit {
		return fmt.Errorf("%q is below 2GiB, the least postlive builds in (1 GiB for the process besides DuckDB, 1 GiB for DuckDB); raise it or leave it empty", v.text)
	}
	c.MemoryLimit = n
	return nil
}

// SpillDir is where DuckDB spills what does not fit in its memory for a
// command that reads the warehouse (query, report, …):
// .postlive/spill-<pid>/, removed when the command closes DuckDB and, after
// a crash, by RemoveInterrupted. A build spills beside the warehouse it
// writes (warehouse.duckdb.tmp-<pid>.tmp, DuckDB's default next to its
// database file), removed the same ways.
func (w *Workspace) SpillDir() string {
	return filepath.Join(w.StateDir(), fmt.Sprintf("spill-%d", os.Getpid()))
}

// removeSpill removes the spill folders in .postlive/ of processes that no
// longer run (a reader holds no lock: one that still runs keeps its own).
func (w *Workspace) removeSpill() error {
	entries, err := os.ReadDir(w.StateDir())
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, en := range entries {
		pid, ok := strings.CutPrefix(en.Name(), "spill-")
		if !ok || !en.IsDir() {
			continue
		}
		if n, err := strconv.Atoi(pid); err == nil && n != os.Getpid() && running(n) {
			continue
		}
		p := filepath.Join(w.StateDir(), en.Name())
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove %s left by an interrupted command: %w", p, err)
		}
	}
	return nil
}

// running says whether a process with this id exists.
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
