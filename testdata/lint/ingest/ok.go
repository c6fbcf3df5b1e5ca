package ingest

import "github.com/postlive/postlive/lake"

// Dir uses lake, which ingest may import.
var Dir = lake.Dir
