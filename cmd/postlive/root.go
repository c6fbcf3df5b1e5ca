package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/escape"
	"github.com/postlive/postlive/reports"
	"github.com/postlive/postlive/workspace"
)

// Exit statuses (docs/operations.md).
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 2
	exitData     = 3
	exitLockHeld = 4
)

// exitStatusHelp ends every command's help.
const exitStatusHelp = `
EXIT STATUS
  0  ok
  1  failure (I/O, DuckDB, an internal error)
  2  usage or configuration error (bad flag, unknown config key, unreadable file header)
  3  data problems: a failed data test, an inbox file run could not import
     or read to the end, or rejected rows with --strict
  4  another postlive process holds the workspace lock
`

// usageError is a mistake the user fixes with a flag, a config key or a file.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// dataError reports data problems (exit 3) after the work was done.
type dataError struct{ msg string }

func (e *dataError) Error() string { return e.msg }

// env is what every command gets: streams, the clock, the logger and
// global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	workspace      string
	now            func() time.Time
	log            *slog.Logger
	logOpts        logOptions
	tty            bool   // stderr is a terminal
	bars           bool   // draw progress bars: a terminal and text logs
	command        string // "postlive run": recorded in the workspace lock
}

// run builds the command tree, runs it and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if os.Getenv("GOMEMLIMIT") == "" {
		// Importers hold a bounded amount of live data (staged batches, a few
		// partial row groups); a soft limit keeps the garbage around it from
		// growing with the file, so peak memory stays flat. With
		// duckdb.memory_limit set, opening the workspace lowers it to the Go
		// heap's share of that limit (workspace.Config.Memory).
		debug.SetMemoryLimit(workspace.DefaultGoMemoryLimit)
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, now: clock(), tty: isTerminal(stderr)}
	e.log, _ = newLogger(stderr, logOptions{}, e.tty)
	root := &cobra.Command{
		Use:   "postlive",
		Short: "Turn live-shopping stream exports into trustworthy numbers and reports",
		Long: `postlive imports the exports of affiliate live-shopping streams (Shopify orders,
click logs, stream metrics, ad spend, the stream plan) into a Parquet lake, builds
DuckDB marts (stream KPIs, per-minute engagement, drop performance, coupon
reconciliation, creator payouts, campaigns, compliance checks) and writes
reports.` + "\n" + exitStatusHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVarP(&e.workspace, "workspace", "w", "", "workspace folder (default $POSTLIVE_WORKSPACE, else the current folder)")
	root.PersistentFlags().StringVar(&e.logOpts.format, "log-format", "text", "log format on stderr: text (human-readable lines) or json (one object per line)")
	root.PersistentFlags().StringVar(&e.logOpts.level, "log-level", "", "least severe log records written: debug, info, warn or error (default info; warn when stderr is a terminal and logs are text)")
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		l, err := newLogger(stderr, e.logOpts, e.tty)
		if err != nil {
			return err
		}
		e.log = l
		e.bars = e.tty && e.logFormat() != "json"
		e.command = c.CommandPath()
		if needsBundle[c.Name()] && c.Parent() == c.Root() {
			if _, err := reports.Bundle(); err != nil {
				return errNoBundle
			}
		}
		return nil
	}
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(
		newImportCmd(e),
		newBuildCmd(e),
		newQueryCmd(e),
		newReconcileCmd(e),
		newPayoutsCmd(e),
		newDemoCmd(e),
		newReportCmd(e),
		newSendCmd(e),
		newFixturesCmd(e),
		newRunCmd(e),
		newExperimentsCmd(e),
		newPlanCmd(e),
		newProbeCmd(e),
	)
	for _, c := range root.Commands() {
		if !strings.Contains(c.Long, "EXIT STATUS") {
			c.Long = strings.TrimRight(c.Long, "\n") + "\n" + exitStatusHelp
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil { // SIGINT or SIGTERM: whatever failed, failed for that
		err = errors.New("interrupted by a signal; nothing half-written is visible: run the command again to complete the work")
	}
	if m := unknownCommandRE.FindStringSubmatch(err.Error()); m != nil {
		err = unknownCommand(root, m[1])
	}
	code := exitCode(err)
	var rep *reportedError
	if e.logFormat() == "json" {
		// a flag error stops cobra before PersistentPreRunE built the logger
		if l, lerr := newLogger(stderr, e.logOpts, e.tty); lerr == nil {
			e.log = l
		}
	}
	switch {
	case e.logFormat() == "json":
		e.log.Error("failed", "error", err.Error(), "exit_status", code)
	case !errors.As(err, &rep):
		fmt.Fprintln(stderr, "postlive: "+escape.Terminal(err.Error()))
	}
	return code
}

// unknownCommand is postlive's message for a command it does not have,
// with the nearest one.
func unknownCommand(root *cobra.Command, name string) error {
	return usagef("unknown command %q%s; commands: %s (see `postlive --help`)", name, didYouMean(name, subcommandNames(root)), strings.Join(subcommandNames(root), ", "))
}

var unknownCommandRE = regexp.MustCompile(`^unknown command "([^"]*)" for`)

// needsBundle are the commands that write or send reports: they need the
// ECharts bundle built into the binary and refuse to start without it.
var needsBundle = map[string]bool{"report": true, "run": true, "demo": true, "send": true}

// errNoBundle is what a binary built without the chart bundle says when a
// command that needs it starts (exit 1), before it does any work.
var errNoBundle = errors.New("this postlive binary was built without the chart bundle (reports/assets/echarts.min.js), so it cannot write reports; " +
	"build it with `make build` (bin/postlive) or `make install`, which build the bundle first (README.md § Install)")

// version is set by the Makefile (-ldflags "-X main.version=…"): git describe.
var version = ""

// versionString is what --version prints: the version, the commit, the Go
// toolchain and whether the chart bundle is built in.
func versionString() string {
	v := version
	commit, dirty := "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	out := "postlive " + v
	if commit != "" {
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if dirty {
			commit += "-dirty"
		}
		out += " (commit " + commit + ")"
	}
	out += ", " + runtime.Version()
	if n, err := reports.Bundle(); err != nil {
		out += "\nchart bundle: MISSING — `report`, `run`, `demo` and `send` refuse to start; build with `make build` or `make install`"
	} else {
		out += fmt.Sprintf("\nchart bundle: built in (%d KB)", n/1024)
	}
	return out
}

// clock is the time postlive stamps on imports (and so on reports): the
// wall clock, or SOURCE_DATE_EPOCH (seconds since 1970) when set, the
// reproducible-builds convention for byte-identical output.
func clock() func() time.Time {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
			t := time.Unix(sec, 0).UTC()
			return func() time.Time { return t }
		}
	}
	return time.Now
}

// exitCode is the one place that maps an error to an exit status.
func exitCode(err error) int {
	var ue *usageError
	var ce *workspace.ConfigError
	var de *dataError
	var le *lockError
	switch {
	case errors.As(err, &ue), errors.As(err, &ce):
		return exitUsage
	case errors.As(err, &de):
		return exitData
	case errors.As(err, &le):
		return exitLockHeld
	case strings.HasPrefix(err.Error(), "unknown command"), strings.HasPrefix(err.Error(), "required flag"):
		return exitUsage
	}
	return exitFailure
}
