// Package reports writes the self-contained HTML reports — index.html, one
// stream-<id>.html per stream, experiment-<id>.html per experiment,
// merchant-<id>.html per merchant, statement-<affiliate>.html per creator (money
// by state, from creator_balances, creator_statement and creator_reversals) —
// and each merchant's reconciliation CSV.
// LoadStreams hands the stream reports, formatted, to other presentations:
// package reports/email mails them to the affiliates.
//
// Write reads the marts (stream_kpis, stream_baselines, stream_minute,
// drop_performance, coupon_reconciliation and, if present, experiment_results)
// and presents them: its queries select, cast and sort, and it never computes a
// metric or re-aggregates a ratio — that is the job of the SQL models (the
// change against the host's previous streams comes from
// sql/marts/stream_baselines.sql). It does not import ingest.
//
// Pages are rendered by our own html/template page, not go-echarts' page
// template: go-echarts builds the chart options, encoding/json marshals them
// (so no data can close a script element), chart ids are derived from the
// report and chart name, and the ECharts bundle (assets/echarts.min.js, built
// by assets/build.sh from the npm release pinned in assets/package-lock.json)
// is embedded and inlined once per page that has charts. A page requests
// nothing from any network; a Content-Security-Policy allows only our own
// inline scripts, by hash. Output is deterministic: the same marts and
// Options.Now give byte-identical files.
package reports
