package proxy

import (
	"strings"
	"testing"
)

func TestWeightedSplitWithoutCookie(t *testing.T) {
	ms := threeMembers(t)
	_, base := startProxy(t, threeYAML, ms...)
	counts := map[string]int{}
	for i := 0; i < 300; i++ {
		status, route, _ := get(t, base+"/")
		if status != 200 {
			t.Fatalf("request %d: status %d", i, status)
		}
		counts[route]++
	}
	want := map[string]int{"node1": 180, "node2": 60, "node3": 60}
	for r, n := range want {
		if counts[r] != n {
			t.Errorf("%s got %d requests, want %d (all: %v)", r, counts[r], n, counts)
		}
	}
}

func TestStickyRouting(t *testing.T) {
	ms := threeMembers(t)
	_, base := startProxy(t, threeYAML, ms...)
	tests := []struct {
		name    string
		path    string
		headers []string
		want    string // route, or "" for any
	}{
		{"cookie route", "/", []string{"Cookie: JSESSIONID=x.node2"}, "node2"},
		{"cookie among others", "/", []string{"Cookie: a=1; JSESSIONID=abc.node3; b=2"}, "node3"},
		{"path parameter", "/app;jsessionid=x.node3", nil, "node3"},
		{"query parameter", "/app?jsessionid=x.node2&y=1", nil, "node2"},
		{"url before cookie", "/x;jsessionid=x.node1", []string{"Cookie: JSESSIONID=x.node3"}, "node1"},
		{"jetty style id", "/", []string{"Cookie: JSESSIONID=node0abc123.node2"}, "node2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i < 10; i++ {
				status, route, _ := get(t, base+tc.path, tc.headers...)
				if status != 200 || route != tc.want {
					t.Fatalf("got %d from %q, want 200 from %q", status, route, tc.want)
				}
			}
		})
	}
}

func TestUnknownRouteIsBalanced(t *testing.T) {
	ms := threeMembers(t)
	_, base := startProxy(t, threeYAML, ms...)
	seen := map[string]int{}
	for i := 0; i < 50; i++ {
		status, route, _ := get(t, base+"/", "Cookie: JSESSIONID=x.node9")
		if status != 200 {
			t.Fatalf("status %d", status)
		}
		seen[route]++
	}
	if len(seen) != 3 {
		t.Fatalf("unknown route should be balanced over all members, got %v", seen)
	}
	// The member is told that the session's route changed.
	last := ms[0].Seen()
	if got := last[len(last)-1].Header.Get(HeaderRouteChanged); got != "node9" {
		t.Errorf("%s = %q, want node9", HeaderRouteChanged, got)
	}
}

func TestDisabledMemberRedirect(t *testing.T) {
	ms := threeMembers(t)
	yml := strings.Replace(threeYAML, "        route: node2\n", "        route: node2\n        status: [disabled]\n        redirect: node3\n", 1)
	_, base := startProxy(t, yml, ms...)
	for i := 0; i < 20; i++ {
		_, route, _ := get(t, base+"/", "Cookie: JSESSIONID=x.node2")
		if route != "node3" {
			t.Fatalf("sticky session of disabled node2 went to %q, want its redirect node3", route)
		}
	}
	for i := 0; i < 50; i++ {
		if _, route, _ := get(t, base+"/"); route == "node2" {
			t.Fatal("disabled member got a new request")
		}
	}
	if n := ms[1].Count(); n != 0 {
		t.Fatalf("disabled member received %d requests", n)
	}
	seen := ms[2].Seen()
	if got := seen[0].Header.Get(HeaderRouteChanged); got != "node2" {
		t.Errorf("redirect member got %s %q, want node2", HeaderRouteChanged, got)
	}
}

func TestDrainMemberKeepsStickySessions(t *testing.T) {
	ms := threeMembers(t)
	yml := strings.Replace(threeYAML, "        route: node2\n", "        route: node2\n        status: [drain]\n", 1)
	_, base := startProxy(t, yml, ms...)
	for i := 0; i < 100; i++ {
		if _, route, _ := get(t, base+"/"); route == "node2" {
			t.Fatal("draining member got a new session")
		}
	}
	for i := 0; i < 20; i++ {
		if _, route, _ := get(t, base+"/", "Cookie: JSESSIONID=abc.node2"); route != "node2" {
			t.Fatalf("sticky session of draining member went to %q", route)
		}
	}
}

func TestNoRouteIs404FromBalancer(t *testing.T) {
	ms := threeMembers(t)
	yml := strings.Replace(threeYAML, "  - path: /\n", "  - path: /shop\n", 1)
	_, base := startProxy(t, yml, ms...)
	status, route, body := get(t, base+"/other")
	if status != 404 || route != "" || !strings.Contains(body, "no route") {
		t.Fatalf("got %d %q %q, want the balancer's own 404", status, route, body)
	}
	if status, _, _ := get(t, base+"/shopping"); status != 404 {
		t.Fatalf("/shopping matched route /shop: %d", status)
	}
	for _, m := range ms {
		if m.Count() != 0 {
			t.Fatal("a member saw an unrouted request")
		}
	}
}

func TestForwardedHeadersAndHopByHop(t *testing.T) {
	m := threeMembers(t)
	_, base := startProxy(t, threeYAML, m...)
	get(t, base+"/h", "Cookie: JSESSIONID=a.node1", "X-Forwarded-For: 10.0.0.1",
		"Connection: X-Secret", "X-Secret: 1", "Keep-Alive: 5", "X-Balancer-Route-Changed: spoofed")
	s := m[0].Seen()[0]
	checks := map[string]string{
		"X-Forwarded-For":   "10.0.0.1, 127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Secret":          "",
		"Keep-Alive":        "",
		HeaderRouteChanged:  "",
	}
	for k, want := range checks {
		if got := s.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if s.Header.Get("X-Forwarded-Host") == "" {
		t.Error("X-Forwarded-Host missing")
	}
}

func TestPathRewriteAndReverse(t *testing.T) {
	m := threeMembers(t)
	yml := `
balancers:
  - name: shop
    members:
      - url: {{m0}}/app
        route: node1
routes:
  - path: /shop
    balancer: shop
    reverse: true
`
	_, base := startProxy(t, yml, m...)
	for path, want := range map[string]string{
		"/shop/cart?x=1":        "/app/cart?x=1",
		"/shop":                 "/app",
		"/shop;jsessionid=a.n1": "/app;jsessionid=a.n1",
	} {
		m[0].Reset()
		if status, _, _ := get(t, base+path); status != 200 {
			t.Fatalf("%s: status %d", path, status)
		}
		if got := m[0].Seen()[0].URI; got != want {
			t.Errorf("%s reached the member as %s, want %s", path, got, want)
		}
	}
}

func TestDotSegmentsRefused(t *testing.T) {
	m := threeMembers(t)
	_, base := startProxy(t, threeYAML, m...)
	for _, p := range []string{"/a/../b", "/a/%2e%2e/b", "/./x", "/a/.%2E"} {
		status, _, _ := getRaw(t, base, p)
		if status != 400 {
			t.Errorf("%s: status %d, want 400", p, status)
		}
	}
	for _, x := range m {
		if x.Count() != 0 {
			t.Fatal("member saw a dot-segment request")
		}
	}
}

// TestEndedSessionIsForgotten: a member that deletes the session cookie
// (a logout) no longer holds the session, whichever way the session id
// came, so the manager can say a draining member is safe to stop.
func TestEndedSessionIsForgotten(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		headers    []string
	}{
		{"cookie", "/", []string{"Cookie: JSESSIONID=a.node1"}},
		{"path parameter", "/;jsessionid=a.node1", nil},
		{"query", "/?jsessionid=a.node1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := threeMembers(t)
			p, base := startProxy(t, threeYAML, ms...)
			held := func() int { return p.Snapshot().Balancers[0].Sessions()["node1"] }
			get(t, base+tc.path, tc.headers...)
			get(t, base+"/", "Cookie: JSESSIONID=b.node1")
			if n := held(); n != 2 {
				t.Fatalf("node1 holds %d sessions, want 2", n)
			}
			end := strings.Replace(tc.path, "/", "/end-session", 1)
			if _, route, _ := get(t, base+end, tc.headers...); route != "node1" {
				t.Fatalf("the logout went to %q", route)
			}
			if n := held(); n != 1 {
				t.Fatalf("after a logout node1 holds %d sessions, want 1", n)
			}
		})
	}
}

// TestActiveSessionStaysHeld: a session counts as held by its member for
// seenWindow after its last request, not after its first, so a session
// that stays active longer than the window keeps a draining member from
// being safe to stop.
func TestActiveSessionStaysHeld(t *testing.T) {
	ms := threeMembers(t)
	clk := newTestClock()
	p, base := startProxyClock(t, clk, threeYAML, ms[0].URL, ms[1].URL, ms[2].URL)
	held := func() int { return p.Snapshot().Balancers[0].Sessions()["node1"] }
	step := seenWindow * 4 / 5
	for i := range 4 { // active for 3.2 windows
		if _, route, _ := get(t, base+"/", "Cookie: JSESSIONID=a.node1"); route != "node1" {
			t.Fatalf("request %d went to %q", i, route)
		}
		if last := p.Snapshot().Balancers[0].Members()[0].LastSession(); !last.Equal(clk.Now()) {
			t.Fatalf("request %d: node1's last session at %v, want %v", i, last, clk.Now())
		}
		clk.Advance(step)
		if n := held(); n != 1 {
			t.Fatalf("%v after request %d: node1 holds %d sessions, want 1", step, i, n)
		}
	}
	clk.Advance(seenWindow - step)
	if n := held(); n != 0 {
		t.Fatalf("a window after the last request node1 holds %d sessions, want 0", n)
	}
}
