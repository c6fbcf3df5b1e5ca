// Package workspace owns the contract of a workspace folder: where its
// parts live (postlive.yaml, inbox/, lake/, warehouse.duckdb, reports/,
// .postlive/) and its configuration. Load decodes postlive.yaml once,
// applies the POSTLIVE_* environment overrides through the same key table,
// validates everything, and reports every problem at once with the file,
// line and column — or the variable — that holds it.
//
// Every setting has one default, here, in the key table (keys.go). Other
// packages do not read postlive.yaml or the environment: they ask a loaded
// Workspace — ImportOptions for ingest, ModelSettings for models, BuildKey
// for "did anything a build reads change".
//
// It depends on the packages whose settings it hands out (ingest, models,
// lake, reports/email); none of them depends on it.
package workspace
