package proxy

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"balancer/internal/testutil"
)

func twoYAML(extraBalancer, extraMember1 string) string {
	return `
balancers:
  - name: c
    stickysession: JSESSIONID|jsessionid
` + extraBalancer + `    members:
      - url: {{m0}}
        route: node1
` + extraMember1 + `      - url: {{m1}}
        route: node2
routes:
  - path: /
    balancer: c
`
}

func TestNoFailover(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	_, base := startProxy(t, twoYAML("    nofailover: true\n", "        status: [disabled]\n"), ms...)
	status, _, body := get(t, base+"/", "Cookie: JSESSIONID=a.node1")
	if status != 503 || !strings.Contains(body, "nofailover") {
		t.Fatalf("sticky request to an unusable member with nofailover: %d %q", status, body)
	}
	if status, route, _ := get(t, base+"/"); status != 200 || route != "node2" {
		t.Fatalf("request without session: %d from %q", status, route)
	}
}

func TestFailOnStatus(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	ms[0].Status.Store(503)
	p, base := startProxy(t, twoYAML("    failonstatus: [503]\n", ""), ms...)
	// The 503 reaches the client (httpd: no retry of that request) and
	// puts node1 in error: the next requests go to node2.
	status, route, _ := get(t, base+"/", "Cookie: JSESSIONID=a.node1")
	if status != 503 || route != "node1" {
		t.Fatalf("first answer %d from %q", status, route)
	}
	if f := p.Snapshot().Balancer("c").Members()[0].Flags(); f&FlagError == 0 {
		t.Fatal("node1 not in error after a failonstatus answer")
	}
	for i := 0; i < 10; i++ {
		if status, route, _ := get(t, base+"/", "Cookie: JSESSIONID=a.node1"); status != 200 || route != "node2" {
			t.Fatalf("after failonstatus: %d from %q", status, route)
		}
	}
}

func TestForceRecovery(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	for _, tc := range []struct {
		name   string
		extra  string
		status int
	}{
		{"on by default", "", 200},
		{"off", "    forcerecovery: false\n", 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, base := startProxy(t, twoYAML(tc.extra, ""), ms...)
			for _, m := range p.Snapshot().Balancer("c").Members() {
				m.st.markError(time.Hour, "test")
			}
			if status, _, _ := get(t, base+"/"); status != tc.status {
				t.Fatalf("every member in error: status %d, want %d", status, tc.status)
			}
		})
	}
}

// TestRetryTimeThenRecovery: a member that refused a connection is skipped
// for its retry time, then tried again.
func TestRetryTimeThenRecovery(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	// Close the member after the proxy has its port, so that the kernel
	// cannot hand the freed port to the proxy's own listener.
	p, base := startProxy(t, twoYAML("", "        retry: 300ms\n"), ms...)
	dead := ms[0].Addr
	ms[0].Close()
	for i := 0; i < 10; i++ {
		if status, route, _ := get(t, base+"/", "Cookie: JSESSIONID=a.node1"); status != 200 || route != "node2" {
			t.Fatalf("%d from %q", status, route)
		}
	}
	m1 := p.Snapshot().Balancer("c").Members()[0]
	if m1.Flags()&FlagError == 0 {
		t.Fatal("node1 not in error after refusing connections")
	}
	revived := testutil.StartMemberAt(t, "node1", dead)
	time.Sleep(350 * time.Millisecond)
	// The session's member is back, but the session moved to node2 and
	// node2 never re-issued the cookie: it stays on node2 (fail-back would
	// serve a stale session).
	if _, route, _ := get(t, base+"/", "Cookie: JSESSIONID=a.node1"); route != "node2" {
		t.Fatalf("moved session went back to %q after its old member recovered", route)
	}
	// A session that never moved goes to node1 again.
	if _, route, _ := get(t, base+"/", "Cookie: JSESSIONID=b.node1"); route != "node1" {
		t.Fatalf("node1 not used again after its retry time: %q", route)
	}
	if revived.Count() == 0 || m1.Flags()&FlagError != 0 {
		t.Fatal("node1 still in error after serving")
	}
}

// TestMovedSessionFollowsReissuedCookie: once a member re-issues the cookie
// with its own route, the moved entry is no longer needed.
func TestMovedSessionFollowsReissuedCookie(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	p, base := startProxy(t, twoYAML("", ""), ms...)
	ms[0].Close()
	_, route, _ := get(t, base+"/set-session?id=a", "Cookie: JSESSIONID=a.node1")
	if route != "node2" {
		t.Fatalf("failover went to %q", route)
	}
	if n := p.Snapshot().Balancer("c").st.moved.Len(); n != 0 {
		t.Fatalf("moved table has %d entries although node2 re-issued the cookie", n)
	}
	_, route, _ = get(t, base+"/", "Cookie: JSESSIONID=c.node1")
	if route != "node2" || p.Snapshot().Balancer("c").st.moved.Len() != 1 {
		t.Fatalf("session without re-issued cookie not remembered: %q", route)
	}
}

// TestSlowStart: after recovering, a member's share of new requests grows
// over the slowstart window.
func TestSlowStart(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	p, base := startProxy(t, twoYAML("", "        slowstart: 1s\n"), ms...)
	m1 := p.Snapshot().Balancer("c").Members()[0]
	m1.st.recoveredAt.Store(time.Now().UnixNano())
	share := func() float64 {
		n := 0
		for i := 0; i < 40; i++ {
			if _, route, _ := get(t, base+"/"); route == "node1" {
				n++
			}
		}
		return float64(n) / 40
	}
	early := share()
	time.Sleep(1100 * time.Millisecond)
	late := share()
	t.Logf("node1 share right after recovery %.2f, after the window %.2f", early, late)
	if !(early < 0.3 && late > 0.4) {
		t.Fatalf("share did not ramp up: %.2f then %.2f", early, late)
	}
}

// TestMaxWithQueue: a member at its max sheds new requests to its peer;
// a sticky request waits in the bounded queue for a slot.
func TestMaxWithQueue(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	ms[0].Delay.Store(int64(200 * time.Millisecond))
	_, base := startProxy(t, twoYAML("", "        max: 2\n        maxqueue: 1\n        queuetimeout: 1s\n"), ms...)
	var wg sync.WaitGroup
	routes := make([]string, 4)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); _, routes[i], _ = get(t, base+"/", "Cookie: JSESSIONID=x.node1") }(i)
	}
	time.Sleep(50 * time.Millisecond) // node1 is full
	for i := 2; i < 4; i++ {
		if _, r, _ := get(t, base+"/"); r != "node2" {
			t.Fatalf("new request went to the full member %q", r)
		}
	}
	// A third sticky request queues and is served by node1 when a slot frees.
	start := time.Now()
	_, r, _ := get(t, base+"/", "Cookie: JSESSIONID=y.node1")
	wg.Wait()
	if r != "node1" {
		t.Fatalf("queued sticky request served by %q", r)
	}
	t.Logf("queued request waited %v", time.Since(start))
	if fmt.Sprint(routes[:2]) != "[node1 node1]" {
		t.Fatalf("sticky requests: %v", routes[:2])
	}
}

// TestInsertMode: for apps that tag nothing, the balancer sets its own
// route cookie on the first answer and after a failover, and follows it.
func TestInsertMode(t *testing.T) {
	ms := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	_, base := startProxy(t, twoYAML("    stickymode: insert\n    stickycookie: ROUTEID\n", ""), ms...)
	resp, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var route string
	for _, c := range resp.Cookies() {
		if c.Name == "ROUTEID" {
			route = strings.TrimPrefix(c.Value, ".")
		}
	}
	if route == "" || route != resp.Header.Get("X-Route") {
		t.Fatalf("first answer from %q set ROUTEID route %q", resp.Header.Get("X-Route"), route)
	}
	for i := 0; i < 10; i++ {
		if _, r, _ := get(t, base+"/", "Cookie: ROUTEID=."+route); r != route {
			t.Fatalf("insert-mode cookie not followed: %q", r)
		}
	}
}
