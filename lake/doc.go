// Package lake owns the Parquet lake of a workspace: where every file lives
// (the layout), the manifest of imported files, how a file is written
// (under a hidden temporary name, renamed into place only when complete, so
// a reader never sees a partial file and a full disk leaves nothing
// behind), and the cleanup of what an interrupted command left.
//
// ingest writes the lake through it, models reads it through it: models
// learns the lake's paths and files here, never from the SQL text. It knows
// nothing of export formats, of the canonical tables' columns (ingest) or of
// SQL (models).
package lake
