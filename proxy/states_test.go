package proxy

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"balancer/config"
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

// testClock is a clock for the proxy's state machine that moves only when
// the test moves it (Options.Clock).
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Unix(1_700_000_000, 0)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startProxyClock is startProxy with the proxy's time told by c.
func startProxyClock(t testing.TB, c *testClock, yml string, urls ...string) (*Proxy, string) {
	t.Helper()
	for i, u := range urls {
		yml = strings.ReplaceAll(yml, fmt.Sprintf("{{m%d}}", i), u)
	}
	cfg, err := config.Parse("test.yaml", []byte(yml))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yml)
	}
	p, err := New(cfg, Options{Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	t.Cleanup(func() { _ = p.servers.Shutdown(context.Background()) })
	return p, "http://" + ln.Addr().String()
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
	clk := newTestClock()
	p, base := startProxyClock(t, clk, twoYAML("", "        retry: 5m\n"), ms[0].URL, ms[1].URL)
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
	// Within its retry time node1 is skipped although it is back.
	clk.Advance(4 * time.Minute)
	if _, route, _ := get(t, base+"/", "Cookie: JSESSIONID=c.node1"); route != "node2" || revived.Count() != 0 {
		t.Fatalf("node1 tried before its retry time ended: %q", route)
	}
	clk.Advance(time.Minute)
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
	clk := newTestClock()
	p, base := startProxyClock(t, clk, twoYAML("", "        slowstart: 10m\n"), ms[0].URL, ms[1].URL)
	m1 := p.Snapshot().Balancer("c").Members()[0]
	m1.st.recoveredAt.Store(clk.Now().UnixNano())
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
	clk.Advance(10 * time.Minute)
	late := share()
	t.Logf("node1 share right after recovery %.2f, after the window %.2f", early, late)
	if !(early < 0.3 && late > 0.4) {
		t.Fatalf("share did not ramp up: %.2f then %.2f", early, late)
	}
}

// gatedMember is a member that holds every request until release is
// called; arrived receives one value per request as it comes in.
type gatedMember struct {
	URL     string
	arrived chan struct{}
	gate    chan struct{}
	once    sync.Once
}

func startGatedMember(t testing.TB, route string) *gatedMember {
	t.Helper()
	g := &gatedMember{arrived: make(chan struct{}, 64), gate: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.arrived <- struct{}{}
		<-g.gate
		w.Header().Set("X-Route", route)
		fmt.Fprintf(w, "route=%s\n", route)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { g.release(); srv.Close() })
	g.URL = "http://" + ln.Addr().String()
	return g
}

func (g *gatedMember) release() { g.once.Do(func() { close(g.gate) }) }

// wait waits for n requests to have arrived.
func (g *gatedMember) wait(t testing.TB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-g.arrived:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d requests reached the member", i, n)
		}
	}
}

// TestMaxWithQueue: a member at its max sheds new requests to its peer;
// a sticky request waits in the bounded queue for a slot.
func TestMaxWithQueue(t *testing.T) {
	node1, node2 := startGatedMember(t, "node1"), testutil.StartMember(t, "node2")
	p, base := startProxyClock(t, newTestClock(),
		twoYAML("", "        max: 2\n        maxqueue: 1\n        queuetimeout: 1m\n"), node1.URL, node2.URL)
	var wg sync.WaitGroup
	routes := make([]string, 3)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); _, routes[i], _ = get(t, base+"/", "Cookie: JSESSIONID=x.node1") }(i)
	}
	node1.wait(t, 2) // node1 is full
	for i := 0; i < 4; i++ {
		if _, r, _ := get(t, base+"/"); r != "node2" {
			t.Fatalf("new request went to the full member %q", r)
		}
	}
	// A third sticky request queues and is served by node1 when a slot frees.
	wg.Add(1)
	go func() { defer wg.Done(); _, routes[2], _ = get(t, base+"/", "Cookie: JSESSIONID=y.node1") }()
	m1 := p.Snapshot().Balancer("c").Members()[0]
	testutil.Eventually(t, "the third sticky request queued for node1", func() bool { return m1.st.queued() == 1 })
	if node2.Count() != 4 {
		t.Fatalf("node2 served %d requests, want the 4 new ones only", node2.Count())
	}
	node1.release()
	wg.Wait()
	if fmt.Sprint(routes) != "[node1 node1 node1]" {
		t.Fatalf("sticky requests (the last one queued): %v", routes)
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
