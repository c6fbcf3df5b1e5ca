package main

import (
	"context"
	"database/sql"
	"errors"

	"github.com/spf13/cobra"

	"github.com/postlive/postlive/workspace"
)

type queryOptions struct {
	format string
}

func newQueryCmd(e *env) *cobra.Command {
	var o queryOptions
	c := &cobra.Command{
		Use:   "query SQL",
		Short: "Run SQL against the warehouse (marts and staging views)",
		Long: `Query runs one SQL statement against warehouse.duckdb, read-only: the marts
(stream_kpis, stream_minute, drop_performance, coupon_reconciliation, …), the
staging and intermediate views, and stg_rejects. One statement per command: a
second is an error, not silently dropped. --format json prints an array of
objects keyed by column name (RFC 8259: lists, structs and maps as arrays and
objects, NaN and infinities as null, decimals exact, doubles to 15 significant
digits, intervals as ISO 8601 durations); csv writes the same values and
neutralises text cells that start with = + - @ (docs/cli.md § Output formats).

  postlive query "select stream_id, rpv from stream_kpis order by rpv desc"`,
		Args: exactArgs(1, "the SQL to run (one statement, quoted)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch n := statements(args[0]); {
			case n == 0:
				return usagef("query: no SQL statement given; e.g. postlive query \"select * from stream_kpis\"")
			case n > 1:
				return usagef("query: %d SQL statements given; postlive query runs one statement and prints its result: run one query per command", n)
			}
			ws, err := e.openWorkspace(false, 0)
			if err != nil {
				return err
			}
			db, err := openWarehouse(cmd.Context(), ws)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := queryTable(cmd.Context(), db, args[0])
			if err != nil {
				return usagef("query: %v", err)
			}
			return writeTable(e.stdout, t, o.format)
		},
	}
	addFormatFlag(c, &o.format, "json: an array of objects keyed by column name", tableFormats...)
	return c
}

// openWarehouse opens warehouse.duckdb read-only (Workspace.OpenWarehouse,
// the one way every reading command opens it); not built yet is a usage
// error.
func openWarehouse(ctx context.Context, ws *session) (*sql.DB, error) {
	db, err := ws.OpenWarehouse(ctx)
	var nw *workspace.ErrNoWarehouse
	if errors.As(err, &nw) {
		return nil, &usageError{err.Error()}
	}
	return db, err
}
