package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/fixtures"
)

type fixturesOptions struct {
	scale           int
	clicksPerStream int
	ordersPerStream int
	seed            uint64
	span            string
	out             string
}

func newFixturesCmd(e *env) *cobra.Command {
	var o fixturesOptions
	c := &cobra.Command{
		Use:   "fixtures --scale N --out DIR",
		Short: "Write synthetic exports in the real formats, N times the sample size",
		Long: `Fixtures writes the sample data set (Shopify orders of two merchants, click log,
stream metrics, chat, Meta Ads spend and the stream plan) N times larger into DIR:
N consecutive two-week replicas, deterministic for a seed, written as a stream
(memory does not grow with N). Scale 1 is the bundled sample byte for byte.
--clicks-per-stream and --orders-per-stream raise the click and order volume
for benchmarks: scale 100 with --clicks-per-stream 6700 --orders-per-stream 640
is about 1,500 streams, 10M clicks and 1M orders. The replicas follow one
another from November 2026 (scale 100 reaches 2030): an import rejects times
more than import.latest_ahead (730 days) ahead as implausible, so a workspace
importing a large scale raises it (bench/run.sh sets 7300d). --span 365d packs
the replicas into a year instead: 26 two-week slots, each with up to
⌈N/26⌉ replicas side by side, streamed by their own hosts (ana-h2, …) with
their own codes (GLOW20H2): the same streams, clicks and orders per stream,
more of them at once (bench/year.sh: a year of an agency).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.clicksPerStream < 0 || o.ordersPerStream < 0 {
				return usagef("--clicks-per-stream and --orders-per-stream must not be negative")
			}
			if o.scale < 1 {
				return usagef("--scale must be 1 or more")
			}
			if o.out == "" {
				return usagef("--out DIR is required")
			}
			spanDays := 0
			if o.span != "" {
				n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(o.span), "d"))
				if err != nil || !strings.HasSuffix(strings.TrimSpace(o.span), "d") || n < fixtures.ReplicaDays {
					return usagef("--span %q is not a number of days of at least %d; write it like 365d", o.span, fixtures.ReplicaDays)
				}
				spanDays = n
			}
			start := time.Now()
			sum, err := fixtures.WriteOptions(o.out, fixtures.Options{Scale: o.scale, ClicksPerStream: o.clicksPerStream, OrdersPerStream: o.ordersPerStream, Seed: o.seed, SpanDays: spanDays})
			if err != nil {
				return err
			}
			for _, f := range sum.Files {
				fmt.Fprintf(e.stdout, "  %-32s %10d rows %12d bytes\n", f.Name, f.Rows, f.Bytes)
			}
			fmt.Fprintf(e.stdout, "wrote scale %d (%d streams, %d clicks, %d orders) to %s in %.1fs\n",
				o.scale, sum.Streams, sum.Clicks, sum.Orders, o.out, time.Since(start).Seconds())
			return nil
		},
	}
	c.Flags().IntVar(&o.scale, "scale", 1, "how many times the sample size")
	c.Flags().IntVar(&o.clicksPerStream, "clicks-per-stream", 0, "average clicks per stream (default the sample's)")
	c.Flags().IntVar(&o.ordersPerStream, "orders-per-stream", 0, "extra orders without a code per stream (default none)")
	c.Flags().Uint64Var(&o.seed, "seed", 0, "random seed (default the sample's)")
	c.Flags().StringVar(&o.span, "span", "", "pack the replicas into this many days, e.g. 365d, with more hosts streaming side by side (default: one replica after another, scale × 14 days)")
	c.Flags().StringVar(&o.out, "out", "", "folder to write into")
	return c
}
