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
staging and intermediate views, and stg_rejects. --format json prints an array of
objects keyed by column name; csv neutralises cells that start with = + - @.

  postlive query "select stream_id, rpv from stream_kpis order by rpv desc"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
	c.Flags().StringVar(&o.format, "format", "table", "output format: table, csv or json")
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
