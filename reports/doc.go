// Package reports writes the self-contained HTML reports (stream, experiment,
// merchant and index pages) and the e-mail that carries them. It reads marts
// from the warehouse and presents them; it never re-aggregates a ratio and does
// not import ingest.
package reports
