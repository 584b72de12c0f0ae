package managerui

import (
	"strings"
	"testing"
)

// TestSafeToStopCountsOtherReplicas: with a shared store, a draining
// member is safe to stop only when the other replicas report neither a
// session on it nor a request in flight, and only while they can be heard.
func TestSafeToStopCountsOtherReplicas(t *testing.T) {
	drain := []string{"drain"}
	for _, tt := range []struct {
		name string
		e    *Elsewhere
		want bool
	}{
		{"no shared store", nil, true},
		{"no other replica", &Elsewhere{Known: true}, true},
		{"others hold nothing", &Elsewhere{Known: true, Replicas: 2}, true},
		{"a session elsewhere", &Elsewhere{Known: true, Replicas: 1, Sessions: 1}, false},
		{"a request in flight elsewhere", &Elsewhere{Known: true, Replicas: 1, Busy: 1}, false},
		{"store unreachable", &Elsewhere{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := SafeToStop(Member{Status: drain, Elsewhere: tt.e}); got != tt.want {
				t.Errorf("SafeToStop = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPageShowsOtherReplicas: the sessions cell adds what the other
// replicas report, and the drain verdict says why a member is not safe to
// stop.
func TestPageShowsOtherReplicas(t *testing.T) {
	b := newTestBackend(t)
	b.set(node1, func(m *Member) { m.Elsewhere = &Elsewhere{Known: true, Replicas: 2, Sessions: 3, Busy: 1} })
	b.set(node2, func(m *Member) { m.Elsewhere = &Elsewhere{Known: true, Replicas: 2, Sessions: 2} })
	b.set(node3, func(m *Member) { m.Elsewhere = &Elsewhere{} })
	_, c := start(t, b, Options{})
	for _, u := range []string{node2, node3} {
		if err := b.Apply(mustEdits(memberEdits(Balancer{Name: "shop"}, Member{URL: u}, MemberChange{Status: &[]string{"drain"}}))); err != nil {
			t.Fatal(err)
		}
	}
	page := c.get(DefaultPath).body
	r1, r2, r3 := rowOf(t, page, "node1"), rowOf(t, page, "node2"), rowOf(t, page, "node3")
	for _, tc := range []struct{ where, row, want string }{
		{"others' sessions", r1, "+3 through other replicas, 1 in flight"},
		{"draining, held elsewhere", r2, "Draining: 0 sessions still reach it; through other replicas 2 sessions"},
		{"store unreachable", r3, "the other replicas cannot be heard"},
	} {
		if !strings.Contains(tc.row, tc.want) {
			t.Errorf("%s: row lacks %q:\n%s", tc.where, tc.want, tc.row)
		}
	}
	for _, r := range []string{r2, r3} {
		if strings.Contains(r, "Safe to stop") {
			t.Errorf("a member held elsewhere or unheard is called safe to stop:\n%s", r)
		}
	}
}
