package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// replica is one balancer process of a shared cluster.
type replica struct {
	proc           *proc
	addr, mgr, cfg string
}

func startReplica(t *testing.T, redisAddr string, members ...*testutil.Member) *replica {
	t.Helper()
	return startReplicaWith(t, "addr: "+redisAddr, members...)
}

// startReplicaWith starts a replica whose store.redis holds redisYAML
// (one line, or several indented by four spaces).
func startReplicaWith(t *testing.T, redisYAML string, members ...*testutil.Member) *replica {
	t.Helper()
	r := &replica{addr: freeAddr(t), mgr: freeAddr(t)}
	y := fmt.Sprintf(`
listen: %q
manager:
  listen: %q
store:
  cluster: test
  redis:
    %s
balancers:
  - name: c
    stickysession: JSESSIONID
    members:
`, r.addr, r.mgr, redisYAML)
	for _, m := range members {
		y += fmt.Sprintf("      - url: %s\n        route: %s\n", m.URL, m.Route)
	}
	y += "  - name: learned\n    stickymode: learn\n    stickysession: JSESSIONID\n    members:\n"
	for _, m := range members {
		y += fmt.Sprintf("      - url: %s\n        route: %s\n", m.URL, m.Route)
	}
	y += "routes:\n  - path: /\n    balancer: c\n  - path: /learn\n    balancer: learned\n"
	r.cfg = writeFile(t, "replica.yaml", y)
	r.proc = startBinary(t, r.addr, "-config", r.cfg)
	waitListening(t, r.mgr, r.proc)
	return r
}

// edit drains or edits a member through the JSON API.
func (r *replica) edit(t *testing.T, route string, body string) {
	t.Helper()
	base := "http://" + r.mgr + "/balancer-manager/api"
	resp, err := http.Get(base + "/nonce")
	if err != nil {
		t.Fatal(err)
	}
	var n struct{ Nonce string }
	json.NewDecoder(resp.Body).Decode(&n)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", base+"/balancers/c/members/"+route, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Balancer-Nonce", n.Nonce)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("edit: %d %s", resp.StatusCode, b)
	}
}

// apiMember is a member as the replica's JSON API shows it.
type apiMember struct {
	Route       string
	Status      []string
	LoadFactor  float64
	Sessions    int
	Busy        int64
	SafeToStop  bool
	LastSession *time.Time
	Elsewhere   *struct {
		Known    bool
		Replicas int
		Sessions int
		Busy     int64
	}
}

// member reads one member of balancer c through the replica's API.
func (r *replica) member(t *testing.T, route string) apiMember {
	t.Helper()
	resp, err := http.Get("http://" + r.mgr + "/balancer-manager/api/balancers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Balancers []struct{ Members []apiMember }
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, m := range doc.Balancers[0].Members {
		if m.Route == route {
			return m
		}
	}
	return apiMember{}
}

func routeVia(t *testing.T, addr, cookie string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", "JSESSIONID="+cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Route")
}

func TestReplicasShareEditsAndSessions(t *testing.T) {
	rd := testutil.StartRedis(t)
	m1, m2 := testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")
	a := startReplica(t, rd.Addr, m1, m2)
	b := startReplica(t, rd.Addr, m1, m2)
	waitShared(t, rd, a, b)

	// 1. Drain node2 through A: B sends it no new sessions.
	start := time.Now()
	a.edit(t, "node2", `{"status":["drain"]}`)
	testutil.Eventually(t, "replica B sees the drain", func() bool {
		return strings.Contains(fmt.Sprint(b.member(t, "node2").Status), "drain")
	})
	t.Logf("drain reached replica B after %v", time.Since(start))
	for i := 0; i < 20; i++ {
		if _, r := routeVia(t, b.addr, ""); r != "node1" {
			t.Fatalf("replica B sent a new session to %q after the drain", r)
		}
	}
	if _, r := routeVia(t, b.addr, "keep.node2"); r != "node2" {
		t.Fatalf("sticky session of the draining member went to %q", r)
	}
	a.edit(t, "node2", `{"status":[]}`)

	// 2. A session moved through A stays on its new member through B.
	m1.Close()
	if _, r := routeVia(t, a.addr, "moved.node1"); r != "node2" {
		t.Fatalf("failover through A went to %q", r)
	}
	// The move reaches B through the store; node1 comes back meanwhile,
	// so a B that did not learn of the move sends the session there.
	testutil.StartMemberAt(t, "node1", m1.Addr)
	testutil.Eventually(t, "replica B sends the moved session to node2", func() bool {
		_, r := routeVia(t, b.addr, "moved.node1")
		return r == "node2"
	})

	// 2b. Learned stickiness: sessions created through A (the member's
	// Set-Cookie is learned there) stick to their member through B.
	for i := 0; i < 10; i++ {
		req, _ := http.NewRequest("GET", "http://"+a.addr+"/learn/set-session?id=learned"+fmt.Sprint(i), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		owner := resp.Header.Get("X-Route")
		var value string
		for _, c := range resp.Cookies() {
			if c.Name == "JSESSIONID" {
				value = c.Value
			}
		}
		// B finds the entry in the store once A's write reached it.
		testutil.Eventually(t, "learned session "+value+" in the store", func() bool {
			return strings.Contains(testutil.Cli(t, rd.Addr, "KEYS", "balancer:test:s:learned:*"), ":learned"+fmt.Sprint(i))
		})
		for j := 0; j < 3; j++ {
			req, _ := http.NewRequest("GET", "http://"+b.addr+"/learn/", nil)
			req.Header.Set("Cookie", "JSESSIONID="+value)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("X-Route"); got != owner {
				t.Fatalf("learned session %s of %s went to %s through B", value, owner, got)
			}
		}
	}

	// 3. Redis goes away: both keep serving; an edit made meanwhile on A
	// reaches B once Redis is back.
	rd.Stop()
	var errs, served atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, x := range []*replica{a, b} {
		wg.Add(1)
		go func(addr string) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if s, _ := routeVia(t, addr, "s.node1"); s != 200 {
					errs.Add(1)
				}
				served.Add(1)
			}
		}(x.addr)
	}
	// Both replicas notice that Redis is gone while requests flow.
	a.proc.waitLog(t, "shared store unreachable")
	b.proc.waitLog(t, "shared store unreachable")
	a.edit(t, "node1", `{"loadfactor":7}`)
	from := served.Load()
	testutil.Eventually(t, "requests served after the edit", func() bool { return served.Load() >= from+20 })
	close(stop)
	wg.Wait()
	if errs.Load() != 0 {
		t.Fatalf("%d requests failed while Redis was down", errs.Load())
	}
	rd.Start()
	testutil.Eventually(t, "the edit made while Redis was down reaches B", func() bool {
		return b.member(t, "node1").LoadFactor == 7
	})
}

// waitShared waits until every replica has connected to the store and
// listens on its events channel (Redis counts the subscribers), so that
// what one replica publishes from then on reaches the others.
func waitShared(t *testing.T, rd *testutil.Redis, rs ...*replica) {
	t.Helper()
	for _, r := range rs {
		r.proc.waitLog(t, "shared store connected")
	}
	want := fmt.Sprintf("balancer:test:events\n%d", len(rs))
	testutil.Eventually(t, fmt.Sprintf("%d replicas subscribed to the events channel", len(rs)), func() bool {
		return strings.Contains(testutil.Cli(t, rd.Addr, "PUBSUB", "NUMSUB", "balancer:test:events"), want)
	})
}
