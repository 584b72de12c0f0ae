package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/app"
	"balancer/internal/testutil"
)

// TestMain runs the real appnode when a test starts this binary as an
// app node process.
func TestMain(m *testing.M) {
	if os.Getenv("APPNODE_TEST_MAIN") == "1" {
		os.Args = append(os.Args[:1], strings.Fields(os.Getenv("APPNODE_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func start(t *testing.T, addr string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "APPNODE_TEST_MAIN=1", "APPNODE_ARGS="+strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 500; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("app node did not listen on %s", addr)
	return nil
}

type counterState struct {
	Node, Session string
	Count         int
}

// TestSessionsSurviveKill: real Redis, two app node processes, the
// balancer. 100 sessions count to 5 on node A; A is killed with -9; the
// next request of every session is served by B with count 6 and a cookie
// ending in B's worker.
func TestSessionsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs processes")
	}
	rd := testutil.StartRedis(t)
	a, b := freeAddr(t), freeAddr(t)
	store := "redis://" + rd.Addr + "/0"
	nodeA := start(t, a, "-listen", a, "-worker", "nodeA", "-store", store)
	start(t, b, "-listen", b, "-worker", "nodeB", "-store", store)
	cfg, err := config.Parse("e2e.yaml", []byte(fmt.Sprintf(`
listen: %q
manager:
  listen: %q
balancers:
  - name: app
    stickysession: JSESSIONID|jsessionid
    members:
      - url: http://%s
        route: nodeA
      - url: http://%s
        route: nodeB
        status: [hot-standby]
routes:
  - path: /
    balancer: app
`, "127.0.0.1:0", "127.0.0.1:0", a, b)))
	if err != nil {
		t.Fatal(err)
	}
	bal, err := app.Start(cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bal.Stop(time.Second)
	lb := bal.ProxyAddr()

	const sessions = 100
	clients := make([]*http.Client, sessions)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Jar: jar, Timeout: 10 * time.Second}
	}
	count := func(c *http.Client) counterState {
		t.Helper()
		resp, err := c.Get("http://" + lb + "/counter")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s counterState
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		return s
	}
	for _, c := range clients {
		for i := 1; i <= 5; i++ {
			if s := count(c); s.Count != i || s.Node != "nodeA" {
				t.Fatalf("before the kill: %+v, want count %d on nodeA", s, i)
			}
		}
	}
	nodeA.Process.Signal(syscall.SIGKILL)
	nodeA.Wait()
	lost := 0
	for _, c := range clients {
		s := count(c)
		if s.Count != 6 || s.Node != "nodeB" || !strings.HasSuffix(s.Session, ".nodeB") {
			lost++
			t.Errorf("after the kill: %+v, want count 6 on nodeB", s)
		}
		u, _ := http.NewRequest("GET", "http://"+lb+"/", nil)
		for _, ck := range c.Jar.Cookies(u.URL) {
			if ck.Name == "JSESSIONID" && !strings.HasSuffix(ck.Value, ".nodeB") {
				t.Errorf("cookie not re-issued with nodeB: %s", ck.Value)
			}
		}
	}
	t.Logf("%d sessions moved from a killed node, %d lost", sessions, lost)
}
