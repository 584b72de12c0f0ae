package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/app"
	"balancer/internal/testutil"
)

// TestMain runs the real appnode when a test starts this binary as an app
// node process.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("APPNODE_ARGS"); ok {
		os.Exit(run(strings.Fields(args), os.Stderr))
	}
	os.Exit(m.Run())
}

// node is an appnode process.
type node struct {
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	exited chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startNode runs appnode with worker and store on a free port and waits
// until /health answers.
func startNode(t *testing.T, worker, store string, extra ...string) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := append([]string{"-listen", addr, "-worker", worker, "-store", store}, extra...)
	n := &node{addr: addr, stderr: &syncBuffer{}, exited: make(chan struct{})}
	n.cmd = exec.Command(os.Args[0], "-test.run=^$")
	n.cmd.Env = append(os.Environ(), "APPNODE_ARGS="+strings.Join(args, " "))
	n.cmd.Stderr = n.stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.cmd.Wait(); close(n.exited) }()
	t.Cleanup(func() { n.cmd.Process.Kill(); <-n.exited })
	exited := false
	testutil.Eventually(t, "appnode "+worker+" answers /health on "+addr, func() bool {
		select {
		case <-n.exited:
			exited = true
			return true
		default:
		}
		resp, err := http.Get("http://" + addr + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, testutil.Within(10*time.Second))
	if exited {
		t.Fatalf("appnode %s exited: %s", worker, n.stderr)
	}
	return n
}

// unreadBytes is how many bytes wait unread in the receive queues of the
// server sockets of addr's port.
func unreadBytes(t *testing.T, addr string) int64 {
	var n int64
	for _, s := range testutil.Sockets(t, addr, false) {
		if s.State == testutil.TCPEstablished {
			n += s.RxQueue
		}
	}
	return n
}

type counterState struct {
	Node, Session string
	Count         int
}

// TestSessionsSurviveKill: real app node processes on a shared store, the
// real balancer in front (routing by the cookie's suffix, B a hot standby).
// Sessions count to 5 on A; A is killed with SIGKILL; the next request of
// every session is served by B with count 6 and a cookie ending in B's
// worker, and B keeps counting. Nothing is lost.
func TestSessionsSurviveKill(t *testing.T) {
	for _, tc := range []struct {
		store    string
		sessions int
	}{
		{"redis", 100},
		{"file", 20},
	} {
		t.Run(tc.store, func(t *testing.T) {
			store := "file:" + t.TempDir()
			if tc.store == "redis" {
				store = "redis://" + testutil.StartRedis(t).Addr + "/0"
			}
			a := startNode(t, "nodeA", store)
			b := startNode(t, "nodeB", store)
			lb := startBalancer(t, a.addr, b.addr)

			clients := make([]*http.Client, tc.sessions)
			for i := range clients {
				jar, _ := cookiejar.New(nil)
				clients[i] = &http.Client{Jar: jar, Timeout: 10 * time.Second}
			}
			for _, c := range clients {
				for i := 1; i <= 5; i++ {
					if s := count(t, c, lb); s.Count != i || s.Node != "nodeA" || !strings.HasSuffix(s.Session, ".nodeA") {
						t.Fatalf("before the kill: %+v, want count %d on nodeA", s, i)
					}
				}
			}
			a.cmd.Process.Signal(syscall.SIGKILL)
			<-a.exited
			lost := 0
			lbURL, _ := url.Parse("http://" + lb)
			for _, c := range clients {
				s := count(t, c, lb)
				cookie := ""
				for _, k := range c.Jar.Cookies(lbURL) {
					if k.Name == "JSESSIONID" {
						cookie = k.Value
					}
				}
				if s.Count != 6 || s.Node != "nodeB" || !strings.HasSuffix(s.Session, ".nodeB") || cookie != s.Session {
					lost++
					t.Errorf("after the kill: %+v with cookie %q, want count 6 on nodeB", s, cookie)
					continue
				}
				if s := count(t, c, lb); s.Count != 7 || s.Node != "nodeB" {
					t.Errorf("next request: %+v, want count 7 on nodeB", s)
				}
			}
			if lost > 0 {
				t.Fatalf("%d of %d sessions lost when their node was killed", lost, tc.sessions)
			}
			if !strings.Contains(b.stderr.String(), "session taken over") {
				t.Errorf("nodeB logged no take-over: %s", b.stderr)
			}
		})
	}
}

// startBalancer runs the real balancer in this process in front of the
// two nodes: sticky on JSESSIONID, the second node a hot standby.
func startBalancer(t *testing.T, a, b string) string {
	t.Helper()
	cfg, err := config.Parse("e2e.yaml", []byte(fmt.Sprintf(`
listen: "127.0.0.1:0"
manager:
  listen: "127.0.0.1:0"
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
`, a, b)))
	if err != nil {
		t.Fatal(err)
	}
	bal, err := app.Start(cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bal.Stop(time.Second) })
	return bal.ProxyAddr()
}

func count(t *testing.T, c *http.Client, addr string) counterState {
	t.Helper()
	resp, err := c.Get("http://" + addr + "/counter")
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

// TestGracefulStop: SIGTERM lets a request already in its handler finish
// (held there by a frozen Redis when the signal arrives), then the node
// exits 0 and its port is closed.
func TestGracefulStop(t *testing.T) {
	rd := testutil.StartRedis(t)
	n := startNode(t, "node1", "redis://"+rd.Addr+"/0")
	rd.Signal(syscall.SIGSTOP)
	defer rd.Signal(syscall.SIGCONT)
	type result struct {
		code int
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + n.addr + "/counter")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- result{code: resp.StatusCode, body: string(b)}
	}()
	// The request waits for Redis in its handler once its command sits
	// unread in the stopped server's socket.
	testutil.Eventually(t, "the request's command queued at the stopped Redis", func() bool { return unreadBytes(t, rd.Addr) > 0 })
	n.cmd.Process.Signal(syscall.SIGTERM)
	// The port closes once the node has begun to stop; the node must
	// then still be running, its request unanswered.
	testutil.Eventually(t, "connections refused after SIGTERM", func() bool {
		c, err := net.Dial("tcp", n.addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case <-n.exited:
		t.Fatalf("exited with a request in flight: %s", n.stderr)
	case r := <-done:
		t.Fatalf("the request ended before Redis answered: %+v", r)
	default:
	}
	rd.Signal(syscall.SIGCONT)
	r := testutil.Receive(t, done, "the in-flight request's answer")
	if r.err != nil || r.code != 200 || !strings.Contains(r.body, `"count":1`) {
		t.Fatalf("the request in flight: %+v", r)
	}
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("still running after SIGTERM")
	}
	if code := n.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d: %s", code, n.stderr)
	}
	if !strings.Contains(n.stderr.String(), "level=INFO msg=stopped") {
		t.Errorf("stderr: %s", n.stderr)
	}
}

// TestFlags: bad flags exit 2 with a message and start nothing.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-store", "mongodb://x"}, "unknown store"},
		{[]string{"-store", "file:"}, "names no directory"},
		{[]string{"-cache", "lru"}, "unknown cache policy"},
		{[]string{"-save", "sometimes"}, "unknown save policy"},
		{[]string{"-worker", "a.b"}, "must be a non-empty route"},
		{[]string{"-nosuchflag"}, "flag provided but not defined"},
	} {
		var stderr bytes.Buffer
		if code := run(tc.args, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
