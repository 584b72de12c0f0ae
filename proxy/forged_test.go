package proxy

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"balancer/config"
	"balancer/internal/testutil"
)

// setStatus applies a manager edit of a member's status.
func setStatus(t *testing.T, p *Proxy, m *testutil.Member, status ...any) {
	t.Helper()
	cfg, err := config.WithEdits(p.Snapshot().Config, []config.Edit{{Balancer: "cluster", Member: m.URL, Key: "status", Value: status}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(cfg); err != nil {
		t.Fatal(err)
	}
}

// sessionsOf returns the sessions the balancer counts for a member (the
// manager's "sessions" column, from which safetostop is derived).
func sessionsOf(p *Proxy, route string) int {
	b := p.Snapshot().Balancers[0]
	for _, m := range b.Members() {
		if m.Route == route {
			return b.Sessions()[route]
		}
	}
	return -1
}

// setCookieOf returns the JSESSIONID a response sets, "" for none.
func setCookieOf(t *testing.T, url, cookie string) (route, set string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Cookie", "JSESSIONID="+cookie)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "JSESSIONID" {
			set = c.Value
		}
	}
	return resp.Header.Get("X-Route"), set
}

// TestForgedSessionIDsWriteNothing: state keyed by client input is written
// only on the member's word. Members share a session store (as app nodes
// on Redis or with replication do) and replace ids they do not know.
func TestForgedSessionIDsWriteNothing(t *testing.T) {
	const forged = 300
	cases := []struct {
		name   string
		status string // node2's status
		// permissive members accept any id (no session store).
		permissive bool
		wantMoved  func(n int) bool
		wantNode2  int // sessions counted for node2 after the forged ids
	}{
		{"forged ids naming a disabled member", "disabled", false, func(n int) bool { return n == 0 }, 0},
		{"forged ids naming a draining member", "drain", false, func(n int) bool { return n == 0 }, 0},
		// An application that accepts any id lets forged ids through;
		// maxsessions bounds the table.
		{"permissive members, disabled route", "disabled", true, func(n int) bool { return n > 0 && n <= 64 }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms := threeMembers(t)
			store := testutil.NewSessions()
			if !tc.permissive {
				for _, m := range ms {
					m.Sessions.Store(store)
				}
			}
			y := strings.Replace(threeYAML, "    members:", "    maxsessions: 64\n    members:", 1)
			y = strings.Replace(y, "route: node2", "route: node2\n        status: ["+tc.status+"]", 1)
			p, base := startProxy(t, y, ms...)
			for i := 0; i < forged; i++ {
				if status, _, _ := get(t, base+"/", fmt.Sprintf("Cookie: JSESSIONID=forged%d.node2", i)); status != 200 {
					t.Fatalf("forged request %d: status %d", i, status)
				}
			}
			b := p.Snapshot().Balancer("cluster")
			if n := b.st.moved.Len(); !tc.wantMoved(n) {
				t.Errorf("moved-session entries after %d forged ids: %d", forged, n)
			}
			if n := sessionsOf(p, "node2"); n != tc.wantNode2 {
				t.Errorf("sessions counted for node2 after forged ids: %d, want %d", n, tc.wantNode2)
			}
		})
	}
}

// TestRealSessionsStillCount: what the forged-id rules must not lose: a
// real session that moves is remembered, and a draining member's real
// sessions, and those a client comes back with, keep it from being safe
// to stop.
func TestRealSessionsStillCount(t *testing.T) {
	ms := threeMembers(t)
	store := testutil.NewSessions()
	for _, m := range ms {
		m.Sessions.Store(store)
	}
	p, base := startProxy(t, threeYAML, ms...)

	// A session node1 issued moves when node1 is disabled, and stays on
	// its new member after node1 is back.
	if r, set := setCookieOf(t, base+"/set-session?id=real", "real.node1"); r != "node1" || set != "real.node1" {
		t.Fatalf("issuing a session: member %s, cookie %q", r, set)
	}
	setStatus(t, p, ms[0], "disabled")
	r, _ := setCookieOf(t, base+"/", "real.node1")
	if r == "node1" {
		t.Fatal("session of the disabled node1 went to node1")
	}
	if n := p.Snapshot().Balancer("cluster").st.moved.Len(); n != 1 {
		t.Fatalf("moved entries after a real session moved: %d, want 1", n)
	}
	setStatus(t, p, ms[0])
	if again, _ := setCookieOf(t, base+"/", "real.node1"); again != r {
		t.Fatalf("moved session went to %s after node1 came back, want %s", again, r)
	}

	// A draining member: a session it issued counts, forged ids do not,
	// and the session it issued in place of a forged id counts once the
	// client comes back with it.
	setStatus(t, p, ms[1], "drain")
	n0 := sessionsOf(p, "node2") // the moved session, if it went there
	setCookieOf(t, base+"/set-session?id=held", "held.node2")
	if n := sessionsOf(p, "node2"); n != n0+1 {
		t.Fatalf("sessions of draining node2 after it issued one: %d, want %d", n, n0+1)
	}
	var replaced string
	for i := 0; i < 50; i++ {
		_, replaced = setCookieOf(t, base+"/", fmt.Sprintf("forged%d.node2", i))
	}
	if n := sessionsOf(p, "node2"); n != n0+1 {
		t.Fatalf("sessions of draining node2 after forged ids: %d, want %d", n, n0+1)
	}
	if r, _ := setCookieOf(t, base+"/", replaced); r != "node2" {
		t.Fatalf("the session node2 issued went to %s", r)
	}
	if n := sessionsOf(p, "node2"); n != n0+2 {
		t.Fatalf("sessions of draining node2 after a client came back with its cookie: %d, want %d", n, n0+2)
	}
}
