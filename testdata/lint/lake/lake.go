// Package lake stands in for postlive's lake.
package lake

// Dir is something to import.
const Dir = "lake"
