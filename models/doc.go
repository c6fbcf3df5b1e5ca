// Package models opens DuckDB, registers postlive's SQL functions, runs the
// sql/ models in the order their references imply (staging views over the
// lake, intermediate views, materialised marts), runs the data tests and
// exports the marts as Parquet.
//
// It reads the lake's rows only through the SQL files, and learns the lake's
// paths and files from package lake; it knows nothing of the export formats
// (ingest) or of HTML (reports).
package models
