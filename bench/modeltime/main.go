// Command modeltime builds every model of sql/ over a workspace's lake as
// `postlive build` does and prints the wall and CPU time of each; with -all
// every model is materialised, so each time is the model's own (a view is
// otherwise timed where it is read).
//
//	go run ./bench/modeltime [-all] WORKSPACE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/postlive/postlive/models"
	sqlfiles "github.com/postlive/postlive/sql"
	"github.com/postlive/postlive/workspace"
)

var all = flag.Bool("all", false, "materialise every model (each model's own time), not only those the build materialises")

func main() {
	flag.Parse()
	if err := run(flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "modeltime:", err)
		os.Exit(1)
	}
}

// cpuTime is the process's user + system CPU time so far (DuckDB's worker
// threads included): on a shared machine it moves less than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(ws string) error {
	ctx := context.Background()
	ms, _, err := models.Load(sqlfiles.FS)
	if err != nil {
		return err
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("modeltime-%d.duckdb", os.Getpid()))
	defer os.Remove(path)
	db, err := models.Open(ctx, path, ws, 0, "", false)
	if err != nil {
		return err
	}
	defer db.Close()
	// the defaults of postlive.yaml, written as the build writes them
	if err := models.WriteSettings(ctx, db, workspace.Defaults().ModelSettings()); err != nil {
		return err
	}
	var total, totalCPU time.Duration
	for _, m := range ms {
		kind := "view"
		if m.Materialized() || *all {
			kind = "table"
		}
		start, cpu0 := time.Now(), cpuTime()
		if _, err := db.ExecContext(ctx, fmt.Sprintf("create %s %s as %s", kind, m.Name, strings.TrimRight(strings.TrimSpace(m.SQL), ";"))); err != nil {
			return fmt.Errorf("%s: %w", m.Path, err)
		}
		d := time.Since(start)
		total += d
		cpu := cpuTime() - cpu0
		totalCPU += cpu
		fmt.Printf("%-36s %8.2fs wall %8.2fs cpu\n", m.Name, d.Seconds(), cpu.Seconds())
	}
	fmt.Printf("%-36s %8.2fs wall %8.2fs cpu\n", "total", total.Seconds(), totalCPU.Seconds())
	return nil
}
