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
	Route      string
	Status     []string
	LoadFactor float64
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
	time.Sleep(1500 * time.Millisecond) // both connected to the store

	// 1. Drain node2 through A: B sends it no new sessions within a second.
	start := time.Now()
	a.edit(t, "node2", `{"status":["drain"]}`)
	for !strings.Contains(fmt.Sprint(b.member(t, "node2").Status), "drain") {
		if time.Since(start) > time.Second {
			t.Fatalf("replica B did not see the drain within 1s: %v", b.member(t, "node2").Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
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
	testutil.StartMemberAt(t, "node1", m1.Addr)
	time.Sleep(200 * time.Millisecond)
	if _, r := routeVia(t, b.addr, "moved.node1"); r != "node2" {
		t.Fatalf("replica B sent the moved session back to %q", r)
	}

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
		time.Sleep(20 * time.Millisecond)
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
	var errs atomic.Int64
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
			}
		}(x.addr)
	}
	time.Sleep(1500 * time.Millisecond)
	a.edit(t, "node1", `{"loadfactor":7}`)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if errs.Load() != 0 {
		t.Fatalf("%d requests failed while Redis was down", errs.Load())
	}
	rd.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if lf := b.member(t, "node1").LoadFactor; lf == 7 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edit made while Redis was down never reached B (loadfactor %v)", b.member(t, "node1").LoadFactor)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
