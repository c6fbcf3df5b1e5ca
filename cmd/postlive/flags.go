package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flags that mean the same in every command (docs/cli.md):
//
//   --format        the OUTPUT format of a command that prints rows or a
//                   result: table|csv|json (query, reconcile, payouts,
//                   experiments) or text|json (probe)
//   --input-format  the export format a file is read as, instead of
//                   detecting it (import, probe); docs/formats.md names them
//   --out           a file or folder to write
//   --wait          how long to wait for the workspace lock

// outputFormat is the validated --format flag of every command that prints:
// a value outside its list is a usage error (exit 2) when the flags are
// parsed, before any work. It sets the command's option field.
type outputFormat struct {
	value   *string
	allowed []string
}

func (f *outputFormat) String() string { return *f.value }
func (f *outputFormat) Type() string   { return "format" }

func (f *outputFormat) Set(s string) error {
	for _, a := range f.allowed {
		if s == a {
			*f.value = s
			return nil
		}
	}
	return errors.New("is not one of " + strings.Join(f.allowed, ", ") + didYouMean(s, f.allowed))
}

// tableFormats are the output formats of the commands that print rows.
var tableFormats = []string{"table", "csv", "json"}

// addFormatFlag adds --format to c, setting *p to one of allowed (the first
// is the default); what says what the other formats print.
func addFormatFlag(c *cobra.Command, p *string, what string, allowed ...string) *outputFormat {
	*p = allowed[0]
	f := &outputFormat{value: p, allowed: allowed}
	help := "output format: " + strings.Join(allowed, ", ")
	if what != "" {
		help += " (" + what + ")"
	}
	c.Flags().Var(f, "format", help)
	return f
}

// flagError turns pflag's and cobra's messages into postlive's (exit 2).
func flagError(c *cobra.Command, err error) error {
	var iv *pflag.InvalidValueError
	var na *pflag.ValueRequiredError
	var nf *pflag.NotExistError
	switch {
	case errors.As(err, &iv):
		return usagef("--%s %q %v", iv.GetFlag().Name, iv.GetValue(), errors.Unwrap(iv))
	case errors.As(err, &na):
		return usagef("%s needs a value; see `%s --help`", "--"+na.GetSpecifiedName(), c.CommandPath())
	case errors.As(err, &nf):
		name := nf.GetSpecifiedName()
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		c.InheritedFlags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		msg := fmt.Sprintf("%s has no flag --%s", c.CommandPath(), name)
		if len(name) == 1 {
			msg = fmt.Sprintf("%s has no flag -%s", c.CommandPath(), name)
		}
		if s := closest(name, names); s != "" {
			msg += " (did you mean --" + s + "?)"
		}
		return usagef("%s (see `%s --help`)", msg, c.CommandPath())
	}
	return &usageError{err.Error() + "; see `" + c.CommandPath() + " --help`"}
}

// closest is the candidate nearest to s (a typo's worth of edits), or "".
func closest(s string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if strings.HasPrefix(c, s) || strings.HasPrefix(s, c) {
			d = min(d, 1)
		}
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > max(2, len(s)/3) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// didYouMean is " (did you mean X?)" for the closest candidate, or "".
func didYouMean(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return " (did you mean " + c + "?)"
	}
	return ""
}

// exactArgs, minArgs and noArgs check a command's arguments with postlive's
// messages: what is missing, the usage line, where help is.
func exactArgs(n int, what ...string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s needs %s; usage: %s (see `%s --help`)", c.CommandPath(), strings.Join(what[len(args):], " and "), c.UseLine(), c.CommandPath())
		}
		if len(args) > n {
			extra := args[n:]
			hint := ""
			if c.Name() == "query" {
				hint = "; quote the SQL as one argument: postlive query \"select …\""
			}
			return usagef("%s takes %d argument(s), got %d (extra: %s)%s; usage: %s", c.CommandPath(), n, len(args), strings.Join(extra, " "), hint, c.UseLine())
		}
		return nil
	}
}

func minArgs(n int, what ...string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s needs %s; usage: %s (see `%s --help`)", c.CommandPath(), strings.Join(what[len(args):], " and "), c.UseLine(), c.CommandPath())
		}
		return nil
	}
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		hint := ""
		if c.HasSubCommands() {
			hint = didYouMean(args[0], subcommandNames(c))
		}
		return usagef("%s takes no arguments, got %q%s (see `%s --help`)", c.CommandPath(), strings.Join(args, " "), hint, c.CommandPath())
	}
	return nil
}

func subcommandNames(c *cobra.Command) []string {
	var out []string
	for _, s := range c.Commands() {
		if !s.Hidden && s.Name() != "help" && s.Name() != "completion" {
			out = append(out, s.Name())
		}
	}
	return out
}
