package ui

import (
	"fmt"
	"strings"
	"time"
)

// parseJumpTime reads the time a user asks to jump to: a clock time today in loc
// (15:04, 15:04:05, 15:04:05.000), an RFC 3339 time (2026-12-01T10:42:05Z, with or
// without fraction or zone), a date and time in loc (2026-12-01 10:42[:05]), or a
// time relative to now (-5m, -90s, -1h30m; "5m" means the same as "-5m").
func parseJumpTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("jump to: give a time, e.g. 10:42 or -5m")
	}
	if rel := strings.TrimPrefix(s, "-"); rel != "" && (rel[0] >= '0' && rel[0] <= '9') && strings.ContainsAny(rel[len(rel)-1:], "smh") {
		if d, err := time.ParseDuration(rel); err == nil {
			return now.Add(-d), nil
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04:05.999999999", "15:04"} {
		if c, err := time.ParseInLocation(layout, s, loc); err == nil {
			y, m, d := now.In(loc).Date()
			return time.Date(y, m, d, c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), loc), nil
		}
	}
	return time.Time{}, fmt.Errorf("jump to %q: not a time (try 10:42, 10:42:05, 2026-12-01T10:42:05Z or -5m)", s)
}
