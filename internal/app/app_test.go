package app

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/testutil"
)

// startApp writes yml (with {{m0}}… replaced by member URLs) to a file and
// starts a balancer on it, listening on 127.0.0.1:0 unless yml begins
// with a listen key of its own.
func startApp(t *testing.T, yml string, members ...*testutil.Member) (*App, string, string) {
	t.Helper()
	for i, m := range members {
		yml = strings.ReplaceAll(yml, fmt.Sprintf("{{m%d}}", i), m.URL)
	}
	if strings.HasPrefix(yml, "listen:") {
		yml += "manager:\n  listen: 127.0.0.1:0\n"
	} else {
		yml = "listen: 127.0.0.1:0\nmanager:\n  listen: 127.0.0.1:0\n" + yml
	}
	path := filepath.Join(t.TempDir(), "balancer.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Start(cfg, Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(time.Second) })
	return a, "http://" + a.ProxyAddr(), path
}

func routeOf(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Route")
}

const twoMembers = `
balancers:
  - name: c
    stickysession: JSESSIONID
    healthcheck:
      uri: /health
      interval: 100ms
      fails: 2
      passes: 2
    members:
      - url: {{m0}}
        route: node1
      - url: {{m1}}
        route: node2
routes:
  - path: /
    balancer: c
`

// TestHealthCheckTakesMemberOutAndBack: a member whose health URI answers
// 503 leaves rotation, and comes back when it answers 200 again.
func TestHealthCheckTakesMemberOutAndBack(t *testing.T) {
	m := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	a, base, _ := startApp(t, twoMembers, m...)
	m[0].Status.Store(503)
	testutil.Eventually(t, "node1 out of rotation", func() bool { return !a.backendView("node1").Usable })
	for i := 0; i < 10; i++ {
		if _, r := routeOf(t, base+"/"); r != "node2" {
			t.Fatalf("failed member got a request (%q)", r)
		}
	}
	h := a.backendView("node1").Health
	if h.State != "failed" || h.Status != 503 || h.Checked == nil {
		t.Fatalf("health shown as %+v", h)
	}
	m[0].Status.Store(0)
	testutil.Eventually(t, "node1 back in rotation", func() bool { return a.backendView("node1").Usable })
	seen := map[string]bool{}
	for i := 0; i < 10; i++ {
		_, r := routeOf(t, base+"/")
		seen[r] = true
	}
	if !seen["node1"] {
		t.Fatal("recovered member gets no requests")
	}
}

// TestReloadUnderLoad: reloads while requests flow lose none, keep the
// counters, and a broken file keeps the running configuration.
func TestReloadUnderLoad(t *testing.T) {
	m := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	a, base, path := startApp(t, strings.Replace(twoMembers, "    healthcheck:\n      uri: /health\n      interval: 100ms\n      fails: 2\n      passes: 2\n", "", 1), m...)
	var failed, done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(base + "/")
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				} else {
					io.Copy(io.Discard, resp.Body)
				}
				if resp != nil {
					resp.Body.Close()
				}
				done.Add(1)
			}
		}()
	}
	orig, _ := os.ReadFile(path)
	for i := 0; i < 10; i++ {
		lf := fmt.Sprintf("        route: node1\n        loadfactor: %d\n", i%3+1)
		os.WriteFile(path, []byte(strings.Replace(string(orig), "        route: node1\n", lf, 1)), 0o644)
		if err := a.Reload(); err != nil {
			t.Fatal(err)
		}
		servedSince(t, &done, 3)
	}
	before := a.backendView("node1").Elected
	os.WriteFile(path, []byte(strings.Replace(string(orig), "route: node1", "route: node1\n        loadfactor: 0", 1)), 0o644)
	if err := a.Reload(); err == nil {
		t.Fatal("a broken file reloaded")
	}
	servedSince(t, &done, 3)
	close(stop)
	wg.Wait()
	t.Logf("%d requests during 11 reloads, %d failed", done.Load(), failed.Load())
	if failed.Load() != 0 {
		t.Fatalf("%d requests failed during reloads", failed.Load())
	}
	if after := a.backendView("node1").Elected; after < before || before == 0 {
		t.Fatalf("counters lost across reloads: %d then %d", before, after)
	}
	if status, _ := routeOf(t, base+"/"); status != 200 {
		t.Fatal("not serving after a bad reload")
	}
}

// servedSince waits until the traffic counted in done has gone on for n
// more requests, so that each reload happens while requests flow.
func servedSince(t *testing.T, done *atomic.Int64, n int64) {
	t.Helper()
	from := done.Load()
	testutil.Eventually(t, fmt.Sprintf("%d more requests served", n), func() bool { return done.Load() >= from+n })
}

// TestEditPersistsAndSurvivesReload: a manager edit applies at once, is
// written into the file, and is still there after a reload.
func TestEditPersistsAndSurvivesReload(t *testing.T) {
	m := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	yml := strings.Replace(twoMembers, "    healthcheck:\n      uri: /health\n      interval: 100ms\n      fails: 2\n      passes: 2\n", "", 1)
	a, base, path := startApp(t, "# operators' notes stay\n"+yml, m...)
	a.mu.Lock()
	a.cfg.Manager.Persist = true
	a.mu.Unlock()
	if err := a.Edit([]config.Edit{{Balancer: "c", Member: m[1].URL, Key: "status", Value: []string{"disabled"}}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, r := routeOf(t, base+"/"); r != "node1" {
			t.Fatalf("disabled member still served (%q)", r)
		}
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "status: [disabled]") || !strings.Contains(string(data), "# operators' notes stay") {
		t.Fatalf("file after persist:\n%s", data)
	}
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, r := routeOf(t, base+"/"); r != "node1" {
		t.Fatal("edit lost on reload")
	}
	// A restart reads the edit back from the file.
	a.Stop(time.Second)
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Start(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop(time.Second)
	for i := 0; i < 5; i++ {
		if _, r := routeOf(t, "http://"+b.ProxyAddr()+"/"); r != "node1" {
			t.Fatalf("edit lost on restart (%q)", r)
		}
	}
}

func (a *App) backendView(route string) memberView {
	for _, b := range (backend{a}).Balancers() {
		for _, m := range b.Members {
			if m.Route == route {
				return memberView{Usable: m.Usable, Elected: m.Elected, Health: m.Health}
			}
		}
	}
	return memberView{}
}
