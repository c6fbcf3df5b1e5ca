// Package ingest imports models: the import make lint must refuse.
package ingest

import "github.com/postlive/postlive/models"

// Name uses models.
var Name = models.Name
