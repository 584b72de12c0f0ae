package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"balancer/internal/testutil"
)

// TestReloadTakesEffect: for each key, a change of it reloaded with
// SIGHUP through the real binary takes effect; before the reload the old
// value is seen in force, so a reload that ignored the key fails the test.
func TestReloadTakesEffect(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users := fmt.Sprintf("  auth:\n    users:\n      - name: viewer\n        password: %q\n        readonly: true\n", hash)
	bigHeader := strings.Repeat("x", 4000)
	var oldManager string
	tests := []struct {
		key   string
		after func(e *reloadEnv) conf
		// old checks that the value before the reload is in force, new
		// that the reloaded one is.
		old, new func(t *testing.T, e *reloadEnv)
	}{{
		key:   "limits.maxheaderbytes",
		after: func(*reloadEnv) conf { return conf{top: "limits:\n  maxheaderbytes: 2KiB\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			if s := status(t, "http://"+e.addr+"/", "X-Big", bigHeader); s != 200 {
				t.Fatalf("4 KB head: %d", s)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			// The balancer answers 431 and closes before reading the rest
			// of the head, so a client still writing it may meet a reset:
			// send the head in one write and read the answer whatever
			// became of the write (net/http's client reports the reset).
			head := "GET / HTTP/1.1\r\nHost: reload\r\nX-Big: " + bigHeader + "\r\n\r\n"
			if r := testutil.RawExchange(e.addr, [][]byte{[]byte(head)}, 0, ""); r.Status != http.StatusRequestHeaderFieldsTooLarge {
				t.Fatalf("4 KB head with maxheaderbytes 2KiB: %d (%v), want 431", r.Status, r.Err)
			}
		},
	}, {
		key:   "limits.maxbodysize",
		after: func(*reloadEnv) conf { return conf{top: "limits:\n  maxbodysize: 1KiB\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			if s := post(t, "http://"+e.addr+"/", 4000); s != 200 {
				t.Fatalf("4 KB body: %d", s)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			if s := post(t, "http://"+e.addr+"/", 4000); s != http.StatusRequestEntityTooLarge {
				t.Fatalf("4 KB body with maxbodysize 1KiB: %d, want 413", s)
			}
		},
	}, {
		key:   "limits.maxconns",
		after: func(*reloadEnv) conf { return conf{top: "limits:\n  maxconns: 1\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			a, b := dialRaw(t, e.addr), dialRaw(t, e.addr)
			for _, c := range []*rawConn{a, b} {
				if s, err := c.get("/"); s != 200 {
					t.Fatalf("two connections: %d %v", s, err)
				}
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			if s, err := dialRaw(t, e.addr).get("/"); s != 200 {
				t.Fatalf("first connection: %d %v", s, err)
			}
			if s, err := dialRaw(t, e.addr).get("/"); s != http.StatusServiceUnavailable {
				t.Fatalf("second connection with maxconns 1: %d %v, want 503", s, err)
			}
		},
	}, {
		key:   "limits.idletimeout",
		after: func(*reloadEnv) conf { return conf{top: "limits:\n  idletimeout: 200ms\n"} },
		new: func(t *testing.T, e *reloadEnv) {
			c := dialRaw(t, e.addr)
			if s, err := c.get("/"); s != 200 {
				t.Fatalf("%d %v", s, err)
			}
			if !c.ended() {
				t.Fatal("an idle connection outlived idletimeout 200ms by 5s (the default is 60s)")
			}
		},
	}, {
		key:   "limits.idlerelease",
		after: func(*reloadEnv) conf { return conf{top: "limits:\n  idlerelease: 0s\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			c := dialRaw(t, e.addr)
			if s, err := c.get("/"); s != 200 {
				t.Fatalf("%d %v", s, err)
			}
			testutil.Eventually(t, "an idle connection parked (idlerelease 1s by default)", func() bool { return parked(t, e) == 1 })
			if s, err := c.get("/"); s != 200 {
				t.Fatalf("the parked connection's next request: %d %v", s, err)
			}
			c.c.Close()
			testutil.Eventually(t, "the closed connection no longer parked", func() bool { return parked(t, e) == 0 })
		},
		new: func(t *testing.T, e *reloadEnv) {
			c := dialRaw(t, e.addr)
			if s, err := c.get("/"); s != 200 {
				t.Fatalf("%d %v", s, err)
			}
			// The old value parked within 1.25s; none may park in twice that.
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for end := time.Now().Add(2500 * time.Millisecond); time.Now().Before(end); <-tick.C {
				if n := parked(t, e); n != 0 {
					t.Fatalf("%d connection parked with idlerelease 0s", n)
				}
			}
			if s, err := c.get("/"); s != 200 {
				t.Fatalf("the idle connection's next request: %d %v", s, err)
			}
		},
	}, {
		key:   "limits.readheadertimeout",
		after: func(*reloadEnv) conf { return conf{top: "limits:\n  readheadertimeout: 200ms\n"} },
		new: func(t *testing.T, e *reloadEnv) {
			c := dialRaw(t, e.addr)
			fmt.Fprint(c.c, "GET / HTTP/1.1\r\nHost: x\r\n")
			if !c.ended() {
				t.Fatal("an unfinished head outlived readheadertimeout 200ms by 5s (the default is 10s)")
			}
		},
	}, {
		key:   "limits.bodytimeout",
		after: func(*reloadEnv) conf { return conf{top: "limits:\n  bodytimeout: 300ms\n  bodyminrate: 0\n"} },
		new: func(t *testing.T, e *reloadEnv) {
			c := dialRaw(t, e.addr)
			fmt.Fprint(c.c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nten bytes.")
			if !c.ended() {
				t.Fatal("a stalled body outlived bodytimeout 300ms by 5s (the default is 20s)")
			}
		},
	}, {
		key:   "trustedproxies",
		after: func(*reloadEnv) conf { return conf{top: "trustedproxies: [10.0.0.0/8]\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			status(t, "http://"+e.addr+"/", "X-Forwarded-For", "192.0.2.7")
			if got := lastSeen(e).Get("X-Forwarded-For"); got != "192.0.2.7, 127.0.0.1" {
				t.Fatalf("X-Forwarded-For without trustedproxies: %q", got)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			status(t, "http://"+e.addr+"/", "X-Forwarded-For", "192.0.2.7")
			if got := lastSeen(e).Get("X-Forwarded-For"); got != "127.0.0.1" {
				t.Fatalf("X-Forwarded-For from a peer outside trustedproxies: %q, want 127.0.0.1", got)
			}
		},
	}, {
		key:   "limits.maxresponseheaderbytes",
		after: func(*reloadEnv) conf { return conf{top: "limits:\n  maxresponseheaderbytes: 2KiB\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			if s := status(t, "http://"+e.addr+"/set-session?id="+bigHeader[:3000]); s != 200 {
				t.Fatalf("3 KB response head: %d", s)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			if s := status(t, "http://"+e.addr+"/set-session?id="+bigHeader[:3000]); s != http.StatusBadGateway {
				t.Fatalf("3 KB response head with maxresponseheaderbytes 2KiB: %d, want 502", s)
			}
		},
	}, {
		key:   "manager.auth.users, manager.readonly",
		after: func(*reloadEnv) conf { return conf{manager: users + "  readonly: true\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"loadfactor":2}`, "", ""); s != 200 {
				t.Fatalf("edit without credentials: %d", s)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"status":["disabled"]}`, "", ""); s != http.StatusUnauthorized {
				t.Fatalf("edit without credentials after auth was configured: %d, want 401", s)
			}
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"status":["disabled"]}`, "viewer", "secret"); s != http.StatusForbidden {
				t.Fatalf("edit by a user of a read-only manager: %d, want 403", s)
			}
			for range 4 {
				if s := status(t, "http://"+e.addr+"/"); s != 200 {
					t.Fatalf("a refused edit disabled a member: %d", s)
				}
			}
		},
	}, {
		key:   "manager.readonly",
		after: func(*reloadEnv) conf { return conf{manager: "  readonly: true\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"loadfactor":2}`, "", ""); s != 200 {
				t.Fatalf("edit: %d", s)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"loadfactor":3}`, "", ""); s != http.StatusForbidden {
				t.Fatalf("edit of a read-only manager: %d, want 403", s)
			}
		},
	}, {
		key:   "manager.path",
		after: func(*reloadEnv) conf { return conf{manager: "  path: /ops\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			if s := status(t, "http://"+e.mgr+"/ops"); s != 404 {
				t.Fatalf("/ops before: %d", s)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			if s := status(t, "http://"+e.mgr+"/ops"); s != 200 {
				t.Fatalf("/ops after path: /ops: %d", s)
			}
			if s := status(t, "http://"+e.mgr+"/balancer-manager"); s != 404 {
				t.Fatalf("the old path after path: /ops: %d, want 404", s)
			}
			if s := e.editStatus(t, "/ops", "node2", `{"loadfactor":2}`, "", ""); s != 200 {
				t.Fatalf("edit under the new path: %d", s)
			}
		},
	}, {
		key:   "manager.pprof",
		after: func(*reloadEnv) conf { return conf{manager: "  pprof: true\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			if s := status(t, "http://"+e.mgr+"/debug/pprof/"); s != 404 {
				t.Fatalf("pprof before: %d", s)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			if s := status(t, "http://"+e.mgr+"/debug/pprof/"); s != 200 {
				t.Fatalf("pprof after pprof: true: %d", s)
			}
			// The mutex profile samples lock waits while pprof is on.
			if b := body(t, "http://"+e.mgr+"/debug/pprof/mutex?debug=1"); !strings.Contains(b, "sampling period=20\n") {
				t.Fatalf("mutex profile not sampling:\n%.300s", b)
			}
		},
	}, {
		key:   "manager.persist",
		after: func(*reloadEnv) conf { return conf{manager: "  persist: true\n"} },
		old: func(t *testing.T, e *reloadEnv) {
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"loadfactor":3}`, "", ""); s != 200 {
				t.Fatalf("edit: %d", s)
			}
			if b, _ := os.ReadFile(e.file); strings.Contains(string(b), "loadfactor") {
				t.Fatalf("an edit was written without persist:\n%s", b)
			}
		},
		new: func(t *testing.T, e *reloadEnv) {
			if s := e.editStatus(t, "/balancer-manager", "node2", `{"loadfactor":5}`, "", ""); s != 200 {
				t.Fatalf("edit: %d", s)
			}
			if b, _ := os.ReadFile(e.file); !strings.Contains(string(b), "loadfactor: 5") {
				t.Fatalf("the edit was not written with persist: true:\n%s", b)
			}
		},
	}, {
		key:   "manager.listen",
		after: func(e *reloadEnv) conf { return conf{mgr: freeAddr(t)} },
		old:   func(t *testing.T, e *reloadEnv) { oldManager = e.mgr },
		new: func(t *testing.T, e *reloadEnv) {
			if s := status(t, "http://"+e.mgr+"/balancer-manager"); s != 200 {
				t.Fatalf("manager on its new address: %d", s)
			}
			if c, err := net.Dial("tcp", oldManager); err == nil {
				c.Close()
				t.Fatal("the manager's old address still accepts")
			}
		},
	}, {
		key: "accesslog",
		after: func(e *reloadEnv) conf {
			return conf{top: fmt.Sprintf("accesslog:\n  path: %s\n  format: json\n", filepath.Join(filepath.Dir(e.file), "access.log"))}
		},
		new: func(t *testing.T, e *reloadEnv) {
			status(t, "http://"+e.addr+"/logged")
			path := filepath.Join(filepath.Dir(e.file), "access.log")
			testutil.Eventually(t, "the request in the new access log", func() bool {
				b, _ := os.ReadFile(path)
				return strings.Contains(string(b), `"/logged"`) && strings.HasPrefix(string(b), "{")
			})
		},
	}, {
		key:   "watch",
		after: func(*reloadEnv) conf { return conf{top: "watch: true\n"} },
		new: func(t *testing.T, e *reloadEnv) {
			y := e.yaml(conf{top: "watch: true\n", member1: "        loadfactor: 7\n"})
			os.WriteFile(e.file, []byte(y), 0o644)
			testutil.Eventually(t, "the file change applied without SIGHUP", func() bool {
				return e.api(t, "/balancer-manager").Balancers[0].Members[0].LoadFactor == 7
			})
		},
	}, {
		key:   "balancers",
		after: func(*reloadEnv) conf { return conf{member1: "        status: disabled\n"} },
		new: func(t *testing.T, e *reloadEnv) {
			for range 4 {
				if s := status(t, "http://"+e.addr+"/"); s != 200 || e.m1.Count() > 0 {
					t.Fatalf("status %d; the disabled member got %d requests", s, e.m1.Count())
				}
			}
		},
	}}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			e := startReloadEnv(t, conf{})
			if tc.old != nil {
				tc.old(t, e)
			}
			e.m1.Reset()
			after := tc.after(e)
			if !e.reload(t, after) {
				t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
			}
			tc.new(t, e)
		})
	}
}

// lastSeen is the headers of the last request either member received.
func lastSeen(e *reloadEnv) http.Header {
	for _, m := range []*testutil.Member{e.m1, e.m2} {
		if seen := m.Seen(); len(seen) > 0 && m.Count() > 0 {
			defer m.Reset()
			return seen[len(seen)-1].Header
		}
	}
	return http.Header{}
}

// parked is balancer_parked_connections on the manager's /metrics.
func parked(t *testing.T, e *reloadEnv) int {
	t.Helper()
	resp, err := http.Get("http://" + e.mgr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "balancer_parked_connections "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("balancer_parked_connections %q", v)
			}
			return n
		}
	}
	t.Fatal("no balancer_parked_connections on /metrics")
	return 0
}

// post sends a body of n bytes and returns the status.
func post(t *testing.T, url string, n int) int {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Post(url, "application/octet-stream", strings.NewReader(strings.Repeat("b", n)))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestReloadListeners: a reload that adds and removes listeners opens and
// closes them; a connection on a listener that stays is not disturbed,
// and one accepted by a removed listener is served to its end.
func TestReloadListeners(t *testing.T) {
	e := startReloadEnv(t, conf{})
	second, third, redirect := freeAddr(t), freeAddr(t), freeAddr(t)
	e.reload(t, conf{listen: fmt.Sprintf("[%q, %q]", e.addr, second)})
	stays, goes := dialRaw(t, e.addr), dialRaw(t, second)
	for _, c := range []*rawConn{stays, goes} {
		if s, err := c.get("/"); s != 200 {
			t.Fatalf("before: %d %v", s, err)
		}
	}
	ok := e.reload(t, conf{listen: fmt.Sprintf("\n  - %q\n  - %q\n  - addr: %q\n    redirecthttps: true", e.addr, third, redirect)})
	if !ok {
		t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
	}
	if s, err := stays.get("/"); s != 200 {
		t.Fatalf("the connection on the listener that stays: %d %v", s, err)
	}
	if s, err := goes.get("/"); s != 200 {
		t.Fatalf("the connection accepted by the removed listener: %d %v", s, err)
	}
	if c, err := net.Dial("tcp", second); err == nil {
		c.Close()
		t.Fatal("the removed listener still accepts")
	}
	if s := status(t, "http://"+third+"/"); s != 200 {
		t.Fatalf("the added listener: %d", s)
	}
	if s := status(t, "http://"+redirect+"/"); s != http.StatusPermanentRedirect {
		t.Fatalf("the added redirecthttps listener: %d, want 308", s)
	}
	// An address whose entry turns to redirecthttps answers with redirects.
	if !e.reload(t, conf{listen: fmt.Sprintf("\n  - %q\n  - addr: %q\n    redirecthttps: true", e.addr, third)}) {
		t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
	}
	if s := status(t, "http://"+third+"/"); s != http.StatusPermanentRedirect {
		t.Fatalf("the listener turned redirecthttps: %d, want 308", s)
	}
	if c, err := net.Dial("tcp", redirect); err == nil {
		c.Close()
		t.Fatal("the listener dropped from the file still accepts")
	}
}

// TestReloadSessionTables: sessionlifetime and maxsessions of a running
// balancer follow a reload: the moved-session table shrinks to the new
// bound, and its entries expire on the new lifetime.
func TestReloadSessionTables(t *testing.T) {
	e := startReloadEnv(t, conf{bal: "    maxsessions: 1000\n", member1: "        retry: 0s\n"})
	e.m1.Close()
	for i := range 300 {
		if s := status(t, "http://"+e.addr+"/", "Cookie", fmt.Sprintf("JSESSIONID=s%d.node1", i)); s != 200 {
			t.Fatalf("failover: %d", s)
		}
	}
	if n := e.api(t, "/balancer-manager").Balancers[0].MovedSessions; n != 300 {
		t.Fatalf("moved sessions %d, want 300", n)
	}
	if !e.reload(t, conf{bal: "    maxsessions: 20\n", member1: "        retry: 0s\n"}) {
		t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
	}
	if n := e.api(t, "/balancer-manager").Balancers[0].MovedSessions; n > 20 {
		t.Fatalf("moved sessions %d after maxsessions: 20", n)
	}
	// A session moved now stays on its new member while the table
	// remembers it, even with its own member back.
	req := func() string {
		req, _ := http.NewRequest("GET", "http://"+e.addr+"/", nil)
		req.Header.Set("Cookie", "JSESSIONID=late.node1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Route")
	}
	if r := req(); r != "node2" {
		t.Fatalf("failover went to %q", r)
	}
	testutil.StartMemberAt(t, "node1", e.m1.Addr)
	if r := req(); r != "node2" {
		t.Fatalf("a moved session went back to %q within sessionlifetime 30m", r)
	}
	if !e.reload(t, conf{bal: "    maxsessions: 20\n    sessionlifetime: 100ms\n", member1: "        retry: 0s\n"}) {
		t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
	}
	testutil.Eventually(t, "the moved session forgotten after sessionlifetime 100ms", func() bool { return req() == "node1" })
}

// TestReloadGraceTime: a gracetime reloaded is the one a stop waits.
func TestReloadGraceTime(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	arrived := make(chan struct{}, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	blocking := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	})}
	go blocking.Serve(ln)
	t.Cleanup(func() { blocking.Close() })
	e := startReloadEnv(t, conf{top: "gracetime: 60s\n"})
	y := e.yaml(conf{top: "gracetime: 200ms\n"})
	y = strings.Replace(y, "routes:\n", fmt.Sprintf("  - name: b\n    members:\n      - url: http://%s\nroutes:\n  - path: /block\n    balancer: b\n", ln.Addr()), 1)
	os.WriteFile(e.file, []byte(y), 0o644)
	if !e.hup(t, "") {
		t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
	}
	go http.Get("http://" + e.addr + "/block")
	testutil.Receive(t, arrived, "the request at the member")
	e.p.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- e.p.cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the balancer still waits for a request 10s after SIGTERM with gracetime 200ms (the file had 60s before the reload)")
	}
}

// TestReloadStore: a replica reloaded onto another Redis shares edits
// through it.
func TestReloadStore(t *testing.T) {
	r1, r2 := testutil.StartRedis(t), testutil.StartRedis(t)
	store := func(addr string) string {
		return fmt.Sprintf("store:\n  cluster: reload\n  redis:\n    addr: %s\n", addr)
	}
	a := startReloadEnv(t, conf{top: store(r1.Addr)})
	b := startReloadEnv(t, conf{top: store(r2.Addr)}, a.m1, a.m2)
	if !a.reload(t, conf{top: store(r2.Addr)}) {
		t.Fatalf("reload failed: %+v", a.api(t, "/balancer-manager").Info.Reload)
	}
	testutil.Eventually(t, "the replica connected to the new store", func() bool {
		return a.api(t, "/balancer-manager").Info.Store == "redis: connected"
	})
	if s := b.editStatus(t, "/balancer-manager", "node2", `{"status":["drain"]}`, "", ""); s != 200 {
		t.Fatalf("edit through the other replica: %d", s)
	}
	testutil.Eventually(t, "the edit made through the new store's other replica", func() bool {
		return strings.Contains(fmt.Sprint(a.api(t, "/balancer-manager").Balancers[0].Members[1].Status), "drain")
	})
	if s := a.editStatus(t, "/balancer-manager", "node1", `{"loadfactor":4}`, "", ""); s != 200 {
		t.Fatalf("edit: %d", s)
	}
	testutil.Eventually(t, "the edit reached the other replica through the new store", func() bool {
		return b.api(t, "/balancer-manager").Balancers[0].Members[0].LoadFactor == 4
	})
	// Without store, the replica is on its own again and still edits.
	if !a.reload(t, conf{}) {
		t.Fatalf("reload failed: %+v", a.api(t, "/balancer-manager").Info.Reload)
	}
	if st := a.api(t, "/balancer-manager").Info.Store; !strings.HasPrefix(st, "local") {
		t.Fatalf("store after store was removed: %q", st)
	}
	if s := a.editStatus(t, "/balancer-manager", "node1", `{"loadfactor":6}`, "", ""); s != 200 {
		t.Fatalf("edit without a store: %d", s)
	}
	if s := status(t, "http://"+a.addr+"/"); s != 200 {
		t.Fatalf("serving without a store: %d", s)
	}
}
