// Package ingest reads merchant, platform, click and ad exports, maps their
// columns onto postlive's canonical tables, validates and normalises every
// value (UTC times, exact money, trimmed upper-case codes, salted hashes in
// place of personal data) and writes the accepted rows to the Parquet lake
// through Arrow, keeping every rejected row with its file, line, column and
// reason.
//
// It owns the canonical tables' schemas and the rejects; where lake files
// live, the manifest and how a file is written atomically belong to package
// lake, through which it writes. It knows nothing of models, experiments or
// reports, and never writes raw personal data (e-mail addresses, IP
// addresses, names) anywhere.
package ingest
