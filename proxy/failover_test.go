package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// memberProc is a member running as its own process.
type memberProc struct {
	route, addr string
	cmd         *exec.Cmd
}

// startMemberProc starts a member process and returns once it says it
// listens.
func startMemberProc(t *testing.T, route string) *memberProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PROXY_TEST_MEMBER="+route)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGCONT); cmd.Process.Kill(); cmd.Wait() })
	_ = out.(*os.File).SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		t.Fatalf("member %s did not start: %q %v", route, line, err)
	}
	return &memberProc{route: route, addr: addr, cmd: cmd}
}

// session is a client that keeps one keep-alive connection, sends its
// cookie, and never retries by itself: every failure is counted.
type session struct {
	id, route string
	conn      net.Conn
	br        *bufio.Reader
}

func (s *session) do(addr string) (string, error) {
	if s.conn == nil {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return "", err
		}
		s.conn, s.br = c, bufio.NewReader(c)
	}
	s.conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(s.conn, "GET /work HTTP/1.1\r\nHost: test\r\nCookie: JSESSIONID=%s.%s\r\n\r\n", s.id, s.route)
	resp, err := http.ReadResponse(s.br, nil)
	if err != nil {
		s.conn.Close()
		s.conn = nil
		return "", err
	}
	var body strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, body.String())
	}
	return resp.Header.Get("X-Route"), nil
}

type loadResult struct {
	requests, errors int64
	slowest          time.Duration
	// after[sessionRoute] = routes that served sessions of that route after the event
	after map[string]map[string]int
	errs  []string
}

// runLoad drives perRoute concurrent sticky sessions per route. Once
// every session has had an answer and ready holds, it calls event; then
// every session sends after more requests and stops. It returns what the
// clients saw.
func runLoad(t *testing.T, addr string, routes []string, perRoute, after int, ready func() bool, event func()) *loadResult {
	t.Helper()
	res := &loadResult{after: map[string]map[string]int{}}
	var mu sync.Mutex
	var happened atomic.Bool
	var wg, served sync.WaitGroup
	stop := make(chan struct{})
	defer func() {
		close(stop) // on a failed wait, the sessions end too
		wg.Wait()
	}()
	for _, r := range routes {
		res.after[r] = map[string]int{}
		for i := 0; i < perRoute; i++ {
			s := &session{id: fmt.Sprintf("s%s%03d", r, i), route: r}
			wg.Add(1)
			served.Add(1)
			go func() {
				defer wg.Done()
				first, left := true, after
				for left > 0 {
					select {
					case <-stop:
						return
					default:
					}
					start := time.Now()
					ev := happened.Load()
					got, err := s.do(addr)
					d := time.Since(start)
					mu.Lock()
					res.requests++
					if d > res.slowest {
						res.slowest = d
					}
					if err != nil {
						res.errors++
						if len(res.errs) < 5 {
							res.errs = append(res.errs, err.Error())
						}
					} else if ev {
						res.after[s.route][got]++
					}
					mu.Unlock()
					if ev {
						left--
					}
					if first {
						first = false
						served.Done()
					}
				}
				if s.conn != nil {
					s.conn.Close()
				}
			}()
		}
	}
	allServed := make(chan struct{})
	go func() { served.Wait(); close(allServed) }()
	select {
	case <-allServed:
	case <-time.After(10 * time.Second):
		t.Fatal("not every session had an answer in 10s")
	}
	testutil.Eventually(t, "requests in flight at the member the event hits", ready)
	event()
	happened.Store(true)
	wg.Wait()
	return res
}

// loadAfter is how many requests each session sends after the event.
const loadAfter = 10

// inFlightAt reports whether the i-th member of balancer c has requests
// in flight.
func inFlightAt(p *Proxy, i int) func() bool {
	return func() bool { return p.Snapshot().Balancer("c").Members()[i].st.sched.Busy.Load() > 0 }
}

func failoverYAML(ms []*memberProc, extra string) string {
	y := "balancers:\n  - name: c\n    stickysession: JSESSIONID|jsessionid\n" + extra + "    members:\n"
	for _, m := range ms {
		y += fmt.Sprintf("      - url: http://%s\n        route: %s\n", m.addr, m.route)
	}
	return y + "routes:\n  - path: /\n    balancer: c\n"
}

// TestKillMemberUnderLoad: kill -9 one of three members while sticky
// sessions are in flight; no GET fails and the dead member's sessions are
// served by the others afterwards.
func TestKillMemberUnderLoad(t *testing.T) {
	ms := []*memberProc{startMemberProc(t, "node1"), startMemberProc(t, "node2"), startMemberProc(t, "node3")}
	p, base := startProxy(t, failoverYAML(ms, ""))
	addr := strings.TrimPrefix(base, "http://")
	res := runLoad(t, addr, []string{"node1", "node2", "node3"}, 10, loadAfter, inFlightAt(p, 1), func() {
		ms[1].cmd.Process.Kill()
	})
	t.Logf("kill -9: %d requests, %d client errors, slowest %v; node2 sessions after: %v",
		res.requests, res.errors, res.slowest, res.after["node2"])
	if res.errors != 0 {
		t.Fatalf("%d client-visible errors, e.g. %v", res.errors, res.errs)
	}
	if res.after["node2"]["node2"] > 0 || res.after["node2"]["node1"]+res.after["node2"]["node3"] == 0 {
		t.Fatalf("node2's sessions after the kill were served by %v", res.after["node2"])
	}
}

// TestHungMemberUnderLoad: SIGSTOP one member (a JVM in a long GC pause);
// with trytimeout (500ms), no GET fails and the slowest takes about trytimeout.
func TestHungMemberUnderLoad(t *testing.T) {
	ms := []*memberProc{startMemberProc(t, "node1"), startMemberProc(t, "node2"), startMemberProc(t, "node3")}
	p, base := startProxy(t, failoverYAML(ms, "    trytimeout: 500ms\n"))
	addr := strings.TrimPrefix(base, "http://")
	res := runLoad(t, addr, []string{"node1", "node2", "node3"}, 10, loadAfter, inFlightAt(p, 1), func() {
		ms[1].cmd.Process.Signal(syscall.SIGSTOP)
	})
	t.Logf("SIGSTOP: %d requests, %d client errors, slowest %v; node2 sessions after: %v",
		res.requests, res.errors, res.slowest, res.after["node2"])
	if res.errors != 0 {
		t.Fatalf("%d client-visible errors, e.g. %v", res.errors, res.errs)
	}
	if res.slowest > 2*time.Second {
		t.Fatalf("slowest request took %v with trytimeout 500ms", res.slowest)
	}
}
