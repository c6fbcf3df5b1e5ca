// Package email delivers the stream reports to the affiliates: one message per
// affiliate with its new and changed stream reports, composed and sent with
// github.com/wneessen/go-mail.
//
// When the warehouse has the creator statement marts, the message also carries
// a "Your money" section (the next payout and the money by state, per
// currency, from reports.Statement) and the statement page attached.
//
// A message is built for mail clients, which run no script: an HTML body with
// inline CSS in a 600 px table layout (at most MaxHTMLBytes), the KPI tiles as
// HTML and each stream's per-minute chart as a PNG part referenced by cid:
// (drawn in Go with gonum.org/v1/plot, drop windows shaded, peaks marked), a
// plain-text alternative, and each stream's full HTML report attached. The MIME
// tree is go-mail's: multipart/mixed holding multipart/related (a
// multipart/alternative of text/plain and text/html, then the PNG parts) and
// the attachments. User text reaches the HTML through html/template only.
//
// What is due comes from the sent-log (SentLog, a JSON Lines file in the
// workspace): a stream is sent once, and again — marked "Updated" — only when
// the Fingerprint of its report changes. Output is deterministic: the same
// reports, options and clock give the same bytes (Date and Message-ID come from
// Options.Now, MIME boundaries from the Message-ID, the PNG from the data).
//
// The package presents what package reports hands it (reports.Stream); it
// computes no metric, reads no mart itself and does not import ingest.
package email
