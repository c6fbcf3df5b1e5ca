package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/ingest"
)

type probeOptions struct {
	kind     string
	format   string // the input format (--input-format)
	merchant string
	output   string // text or json (--format)
}

func newProbeCmd(e *env) *cobra.Command {
	var o probeOptions
	c := &cobra.Command{
		Use:   "probe FILE",
		Short: "Show how a file would be read, without importing it",
		Long: `Probe reads an export file the way import would and prints what it finds:
how it is packed (gzip, ZIP, XLSX sheet), its encoding and BOM, the delimiter,
the preamble lines above the header, the header, the detected format (or the
closest formats and the headers they miss), and the first canonical rows with
the first rejected rows. Nothing is written to the lake.

The time zones (time_zones.<format>) and merchant of the workspace's
postlive.yaml, and the stream plan in its lake, are used when it exists;
personal data in the sample rows is shown as keys, as in the lake.

A file no format recognises exits 2, as import does.

Formats (--input-format FORMAT, with --kind KIND):
` + formatList(),
		Args: exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.format != "" && o.kind == "" {
				return usagef("--input-format needs --kind: format names are per import kind (e.g. --kind orders --input-format amazon-orders)")
			}
			if o.kind != "" && !probeHas(ingest.Kinds(), o.kind) {
				return usagef("--kind %q is not one of %s%s", o.kind, strings.Join(ingest.Kinds(), ", "), didYouMean(o.kind, ingest.Kinds()))
			}
			if o.format != "" {
				if names := inputFormatNames(o.kind); !probeHas(names, o.format) {
					return usagef("--input-format %q is not a %s format%s; %s formats: %s", o.format, o.kind, didYouMean(o.format, names), o.kind, strings.Join(names, ", "))
				}
			}
			if cmd.Flags().Changed("output") {
				fmt.Fprintln(e.stderr, "postlive: note: probe's --output is now --format (text or json), as in every command (docs/cli.md)")
			}
			if err := checkInputFile(args[0]); err != nil {
				return err
			}
			opt := ingest.Options{Kind: o.kind, Format: o.format, Merchant: o.merchant, Salt: "probe", Name: args[0]}
			probe := ingest.Probe
			if _, err := os.Stat(filepath.Join(e.workspaceDir(), "postlive.yaml")); err == nil {
				ws, err := e.openWorkspace(false, 0)
				if err != nil {
					return err
				}
				defer ws.close()
				wo := ws.importOptions(o.kind, o.format, o.merchant, e.now)
				opt.TimeZones, opt.BotPatterns, opt.StreamParam, opt.Salt = wo.TimeZones, wo.BotPatterns, wo.StreamParam, wo.Salt
				if opt.Merchant == "" {
					opt.Merchant = wo.Merchant
				}
				probe = func(p string, o ingest.Options) (*ingest.ProbeResult, error) {
					return ingest.ProbeWithPlan(ws.Lake, p, o)
				} // platform sessions are matched to the plan's streams
			}
			res, err := probe(args[0], opt)
			if err != nil {
				return usagef("%s: %v", args[0], err)
			}
			if o.output == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			printProbe(e.stdout, res)
			if res.Format == "" {
				return usagef("%s: no format recognises this file; rename the headers, or name the format with --kind KIND --input-format NAME (see `postlive probe --help`)", args[0])
			}
			return nil
		},
	}
	c.Flags().StringVar(&o.kind, "kind", "", "import kind to detect formats of (default: every kind)")
	c.Flags().StringVar(&o.format, "input-format", "", "export format to read the file as, instead of detecting it (needs --kind)")
	c.Flags().StringVar(&o.merchant, "merchant", "", "merchant id for exports that do not carry one (default: default_merchant)")
	output := addFormatFlag(c, &o.output, "json: the probe result as one JSON object", "text", "json")
	// --output was probe's output format before --format meant that in every
	// command (docs/cli.md); it still works, with a warning.
	c.Flags().Var(output, "output", "")
	c.Flags().MarkHidden("output")
	return c
}

func probeHas(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func printProbe(w io.Writer, r *ingest.ProbeResult) {
	fmt.Fprintf(w, "file:       %s\n", r.File)
	if r.Container != "" {
		fmt.Fprintf(w, "container:  %s\n", r.Container)
	}
	bom := "no BOM"
	if r.BOM {
		bom = "with BOM"
	}
	fmt.Fprintf(w, "encoding:   %s, %s\n", r.Encoding, bom)
	if r.Layout != "" {
		layout := r.Layout
		if r.Delimiter != "" {
			layout += fmt.Sprintf(", delimiter %q", r.Delimiter)
		}
		fmt.Fprintf(w, "layout:     %s\n", layout)
	}
	fmt.Fprintf(w, "preamble:   %d line(s)\n", len(r.Preamble))
	for _, p := range r.Preamble {
		fmt.Fprintf(w, "            %q\n", p)
	}
	if len(r.Header) > 0 {
		fmt.Fprintf(w, "header:     %s\n", strings.Join(r.Header, " | "))
	}
	if r.Format != "" {
		fmt.Fprintf(w, "format:     %s (import kind %s)\n", r.Format, r.Kind)
		fmt.Fprintf(w, "import:     %s\n", r.Command)
		if r.MerchantGuess {
			fmt.Fprintln(w, "            (the export does not name its merchant: replace the --merchant id with yours, or set default_merchant)")
		}
	} else {
		fmt.Fprintln(w, "format:     none recognises this file; closest:")
		for _, c := range r.Candidates {
			fmt.Fprintf(w, "            %s/%s misses %s\n", c.Kind, c.Format, strings.Join(probeQuote(c.Missing), ", "))
		}
		fmt.Fprintln(w, "            rename the headers, or import with --input-format NAME once they match")
		return
	}
	more := ""
	if r.Truncated {
		more = " (first rows only)"
	}
	fmt.Fprintf(w, "rows:       %d read, %d accepted, %d rejected%s\n", r.Read, r.Accepted, r.Rejected, more)
	for _, s := range r.Samples {
		fmt.Fprintf(w, "sample:     %s (line %d)\n", s.Table, s.Line)
		for _, v := range s.Values {
			fmt.Fprintf(w, "              %-16s %s\n", v.Column, v.Value)
		}
	}
	for _, rj := range r.Rejects {
		fmt.Fprintf(w, "reject:     %s\n", rj)
	}
}

func probeQuote(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
