// Package models opens DuckDB, registers postlive's SQL functions, runs the sql/ models in dependency order, runs data tests and exports marts.
package models
