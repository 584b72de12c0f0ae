package managerui

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(-d); return &x }
	tests := []struct{ got, want string }{
		{humanBytes(0), "0 B"},
		{humanBytes(1023), "1023 B"},
		{humanBytes(1536), "1.5 KiB"},
		{humanBytes(10 << 20), "10 MiB"},
		{humanBytes(5 << 40), "5 TiB"},
		{humanCount(999), "999"},
		{humanCount(1234), "1.2k"},
		{humanCount(45678), "46k"},
		{humanCount(3_400_000), "3.4M"},
		{humanRate(0), "0/s"},
		{humanRate(0.01), "<0.1/s"},
		{humanRate(0.26), "0.3/s"},
		{humanRate(12.4), "12/s"},
		{humanRate(1500), "1.5k/s"},
		{percent(0), "0%"},
		{percent(0.004), "<1%"},
		{percent(0.426), "43%"},
		{percent(1), "100%"},
		{humanDuration(0), "0s"},
		{humanDuration(250 * time.Millisecond), "250ms"},
		{humanDuration(40 * time.Second), "40s"},
		{humanDuration(12*time.Minute + 5*time.Second), "12m 5s"},
		{humanDuration(2*time.Hour + 5*time.Second), "2h"},
		{humanDuration(2*time.Hour + 5*time.Minute), "2h 5m"},
		{humanDuration(76 * time.Hour), "3d 4h"},
		{ago(nil, now), "never"},
		{ago(at(200*time.Millisecond), now), "just now"},
		{ago(at(12*time.Second), now), "12s ago"},
		{ago(at(3*time.Minute+20*time.Second), now), "3m ago"},
		{ago(at(2*time.Hour+20*time.Minute), now), "2h ago"},
		{stamp(at(0)), "2026-01-02T03:04:05Z"},
		{stamp(nil), ""},
	}
	for i, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%d: got %q, want %q", i, tc.got, tc.want)
		}
	}
}
