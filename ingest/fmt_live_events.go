package ingest

import (
	"strconv"
	"strings"
	"time"
)

// The live event feed: JSONL captured during a stream by a live-chat
// client (one flat object per event: comment, like, gift, share, follow,
// viewer count), see docs/formats.md § live-events and
// ../shared/reference/formats.md §5 (platforms deliver comments and counts
// only while live). One file writes two tables: chat rows for messages, and
// one stream_metrics row per counted event (granularity "event", at the
// event's own time, carrying only what that event counts). The events are not
// summed into minutes here: a stream's minutes start at its started_at, which
// the plan may only bring after this file is imported, so the model
// int_stream_minutes places each event in its stream minute and averages the
// viewer counts there.

func init() {
	for _, kind := range []string{"stream_metrics", "chat"} {
		register(&Format{
			Name: "live-events", Kind: kind, JSONL: true,
			Identify: []string{"stream_id", "ts|timestamp|time", "type|event"},
			Doc:      "JSONL live event feed (stream_id, ts, type: comment, like, gift, share, follow, viewers); writes chat and one stream_metrics row per counted event",
			read:     readLiveEvents,
		})
	}
}

// liveEventKinds maps event types to what they count; "" is read and not
// counted (presence events).
var liveEventKinds = map[string]string{
	"comment": "comment", "chat": "comment", "message": "comment", "question": "question", "host": "host",
	"pin": "pinned", "pinned": "pinned", "pinned_message": "pinned",
	"like": "like", "likes": "like", "gift": "gift", "share": "share", "social_share": "share",
	"follow": "follow", "viewers": "viewers", "viewer_count": "viewers", "room_user": "viewers",
	"join": "", "member": "", "enter": "", "leave": "",
}

func readLiveEvents(rd *reader) error {
	j := rd.jsonl
	rd.pii["user"], rd.pii["author"], rd.pii["nickname"], rd.pii["unique_id"] = true, true, true, true
	chat := NewRecord(Chat)
	event := NewRecord(StreamMetrics)
	for j.Next() {
		if j.err != nil {
			rd.reject(*j.err, []string{j.raw}, []string{"line"})
			continue
		}
		get := func(names ...string) (string, int) {
			for _, n := range names {
				for i, k := range j.keys {
					if strings.EqualFold(k, n) {
						return cleanCell(j.vals[i]), i
					}
				}
			}
			return "", -1
		}
		bad := func(i int, what, hint string) {
			rj := Reject{Line: j.line, Column: 1, What: what, Hint: hint}
			if i >= 0 {
				rj.Column, rj.Field, rj.Value = j.cols[i], j.keys[i], j.vals[i]
			}
			rd.reject(rj, j.vals, j.keys)
		}
		stream, si := get("stream_id")
		if stream == "" {
			bad(si, "has no stream_id", "every event names the plan's stream_id")
			continue
		}
		raw, ti := get("ts", "timestamp", "time")
		ts, err := liveEventTime(rd, raw)
		if err != nil {
			ev := err.(*errValue)
			bad(ti, ev.what, ev.hint)
			continue
		}
		typ, yi := get("type", "event")
		kind, ok := liveEventKinds[strings.ToLower(typ)]
		if !ok {
			bad(yi, "is not a known event type", "use comment, question, host, pinned, like, gift, share, follow or viewers")
			continue
		}
		count := int64(1)
		if v, ci := get("count", "likes", "repeat_count", "diamonds"); v != "" && kind != "viewers" {
			if count, err = parseCount(v); err != nil {
				ev := err.(*errValue)
				bad(ci, ev.what, ev.hint)
				continue
			}
		}
		var viewers int64
		if kind == "viewers" {
			v, vi := get("viewers", "viewer_count", "count", "value")
			if viewers, err = parseCount(v); err != nil {
				bad(vi, err.(*errValue).what, "a viewers event carries the concurrent viewer count, like {\"type\":\"viewers\",\"viewers\":1234}")
				continue
			}
		}
		isHost, known, hi := liveEventHost(get)
		if hi >= 0 && !known {
			bad(hi, "is not a role or a boolean", "write the author's role (host, anchor, owner, moderator, viewer) or true/false")
			continue
		}
		// counted writes the event's stream_metrics row: the one counter
		// the event adds to, at the event's own time
		counted := func(col string, n int64) error {
			event.Reset()
			event.Line = j.line
			event.SetString("stream_id", stream)
			event.SetTime("ts", ts)
			event.SetString("granularity", "event")
			event.SetString("counter_mode", "interval")
			event.SetInt(col, n)
			return rd.write(event)
		}
		err = nil // presence events (join, leave, …) write nothing
		switch kind {
		case "comment", "question", "host", "pinned":
			text, _ := get("text", "comment", "message")
			chat.Reset()
			chat.Line = j.line
			chat.SetString("stream_id", stream)
			chat.SetTime("ts", ts)
			chat.SetInt("seq", int64(j.line))
			chat.SetString("kind", kind)
			if u, _ := get("user", "author", "unique_id", "nickname"); u != "" {
				chat.SetString("author_key", rd.hash.key("author", strings.ToLower(u)))
			}
			chat.SetString("text", text)
			switch {
			case kind == "host":
				chat.SetBool("is_host", true)
			case hi >= 0:
				chat.SetBool("is_host", isHost)
			}
			err = rd.write(chat)
			// the host's own messages and pinned notes are not audience comments
			if err == nil && (kind == "comment" || kind == "question") && !(hi >= 0 && isHost) {
				err = counted("comments", 1)
			}
		case "like":
			err = counted("likes", count)
		case "gift":
			err = counted("gifts", count)
		case "share":
			err = counted("shares", count)
		case "follow":
			err = counted("follows", count)
		case "viewers":
			err = counted("viewers", viewers)
		}
		if err != nil {
			return err
		}
		rd.accept(1)
	}
	return nil
}

// hostRoles are the author roles of chat clients that mean the stream's host:
// TikTok LIVE connectors call the broadcaster "anchor", YouTube's live chat
// "owner" (authorDetails.isChatOwner).
var hostRoles = map[string]bool{"host": true, "anchor": true, "owner": true, "broadcaster": true, "streamer": true, "creator": true}

// otherRoles are roles that are not the host.
var otherRoles = map[string]bool{"viewer": true, "audience": true, "member": true, "moderator": true, "mod": true,
	"subscriber": true, "guest": true, "user": true, "fan": true}

// liveEventHost reads whether an event's author is the host, from a role
// field or a host flag. pos is the field's position, -1 when the event has
// none; known is false when the field holds neither a role nor a boolean.
func liveEventHost(get func(...string) (string, int)) (isHost, known bool, pos int) {
	if v, i := get("role", "user_role", "author_role"); i >= 0 {
		r := strings.ToLower(strings.TrimSpace(v))
		switch {
		case r == "":
			return false, true, -1
		case hostRoles[r]:
			return true, true, i
		case otherRoles[r]:
			return false, true, i
		}
		return false, false, i
	}
	if v, i := get("is_host", "is_anchor", "is_owner", "is_chat_owner", "isChatOwner"); i >= 0 {
		if strings.TrimSpace(v) == "" {
			return false, true, -1
		}
		b, err := parseBool(v)
		return b, err == nil, i
	}
	return false, true, -1
}

// liveEventTime reads RFC 3339 or Unix milliseconds / seconds.
func liveEventTime(rd *reader, s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n > 1e11 && n < 1e14:
			return time.UnixMilli(n).UTC(), nil
		case n > 1e8 && n <= 1e11:
			return time.Unix(n, 0).UTC(), nil
		}
		return time.Time{}, valueErr("is not a timestamp", "write RFC 3339 like 2026-11-05T19:00:00.250-05:00 or Unix milliseconds")
	}
	return rd.stamp(s, stampRules{expect: "RFC 3339 like 2026-11-05T19:00:00.250-05:00 or Unix milliseconds"})
}
