// Package models stands in for postlive's models.
package models

import "github.com/postlive/postlive/lake"

// Name is something to import.
const Name = "models" + lake.Dir
