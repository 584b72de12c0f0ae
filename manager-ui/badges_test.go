package managerui

import (
	"strings"
	"testing"
)

// Each status flag's badge says what the runtime does with the member
// (proxy's Member.Usable and Eligible, the README's state table): a
// disabled member, like a stopped one, takes no request at all, sticky or
// not.
func TestBadgesSayWhatTheRuntimeDoes(t *testing.T) {
	tests := []struct {
		status []string
		usable bool
		class  string
		says   string
		tone   string
	}{
		{[]string{"disabled"}, false, "off", "takes no requests", "off"},
		{[]string{"stopped"}, false, "bad", "takes no requests", "bad"},
		{[]string{"drain"}, true, "warn", "only requests of sessions already on it", "warn"},
		{[]string{"hot-standby"}, true, "info", "only when no other member of its set is usable", "ok"},
		{[]string{"ignore-errors"}, true, "info", "always considered usable", "ok"},
		{[]string{"error"}, false, "bad", "skipped until its retry time", "bad"},
		{nil, true, "ok", "takes new sessions", "ok"},
	}
	for _, tt := range tests {
		name := strings.Join(tt.status, ",")
		t.Run(name, func(t *testing.T) {
			bs, tone := badges(Member{Status: tt.status, Usable: tt.usable})
			if len(bs) != 1 {
				t.Fatalf("badges = %v, want one", bs)
			}
			if bs[0].Class != tt.class || !strings.Contains(bs[0].Title, tt.says) || tone != tt.tone {
				t.Errorf("badge %+v, tone %q; want class %q, a title saying %q, tone %q", bs[0], tone, tt.class, tt.says, tt.tone)
			}
			if strings.Contains(bs[0].Title, "still reach") && !tt.usable {
				t.Errorf("%q: the page says requests reach a member the runtime does not use", bs[0].Title)
			}
		})
	}
}
