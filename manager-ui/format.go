package managerui

import (
	"math"
	"strconv"
	"time"
)

// Numbers on the page are rounded to what an operator reads at a glance;
// the exact values are in the JSON API and in the cells' title attributes.

// humanBytes renders a byte count with binary units: "0 B", "1.5 KiB",
// "23 MiB".
func humanBytes(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	f := float64(n)
	i := -1
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return oneDecimal(f) + " " + units[i:i+1] + "iB"
}

// humanCount renders a count: "999", "1.2k", "45k", "3.4M".
func humanCount(n int64) string {
	switch a := math.Abs(float64(n)); {
	case a < 1000:
		return strconv.FormatInt(n, 10)
	case a < 1e6:
		return oneDecimal(float64(n)/1e3) + "k"
	case a < 1e9:
		return oneDecimal(float64(n)/1e6) + "M"
	default:
		return oneDecimal(float64(n)/1e9) + "G"
	}
}

// humanRate renders requests per second: "0/s", "0.2/s", "12/s", "1.2k/s".
func humanRate(r float64) string {
	switch {
	case r <= 0 || math.IsNaN(r):
		return "0/s"
	case r < 0.05:
		return "<0.1/s"
	case r < 1000:
		return oneDecimal(r) + "/s"
	default:
		return oneDecimal(r/1e3) + "k/s"
	}
}

// oneDecimal keeps one decimal below 10 and none above: "1.5", "23".
func oneDecimal(f float64) string {
	if f < 9.95 {
		s := strconv.FormatFloat(f, 'f', 1, 64)
		if len(s) > 2 && s[len(s)-2:] == ".0" {
			s = s[:len(s)-2]
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', 0, 64)
}

// percent renders a fraction 0..1 as "42%" ("<1%" for small non-zero).
func percent(f float64) string {
	switch {
	case f <= 0 || math.IsNaN(f):
		return "0%"
	case f < 0.01:
		return "<1%"
	default:
		return strconv.FormatFloat(math.Round(f*100), 'f', 0, 64) + "%"
	}
}

// humanDuration renders a span with its two largest units: "40s",
// "12m 5s", "2h 5m", "3d 4h".
func humanDuration(d time.Duration) string {
	if d < time.Second {
		if d <= 0 {
			return "0s"
		}
		return d.Round(time.Millisecond).String()
	}
	d = d.Round(time.Second)
	units := []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.unit {
			continue
		}
		n := d / u.unit
		out := strconv.FormatInt(int64(n), 10) + u.name
		if i+1 < len(units) {
			next := units[i+1]
			if m := (d - n*u.unit) / next.unit; m > 0 {
				out += " " + strconv.FormatInt(int64(m), 10) + next.name
			}
		}
		return out
	}
	return "0s"
}

// ago renders how long ago t was relative to now: "never", "just now",
// "12s ago", "3m ago".
func ago(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "never"
	}
	d := now.Sub(*t)
	if d < time.Second {
		return "just now"
	}
	if d >= time.Minute {
		d = d.Truncate(time.Minute)
		if d >= time.Hour {
			d = d.Truncate(time.Hour)
		}
	}
	return humanDuration(d) + " ago"
}

// stamp renders t for a title attribute (exact, UTC).
func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
