package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Broken members: raw TCP servers that answer GET /bad with a malformed or
// cut response and every other request correctly. Each case checks what
// the client sees, the member's state, that a member connection which
// carried a broken response is never used again (the way a response
// splitting member desynchronises a proxy), that the client connection is
// never desynchronised, and that goroutines and file descriptors come back
// to where they were.

// brokenCase is one misbehaviour.
type brokenCase struct {
	name string
	// answer is written for GET /bad; silent members write nothing.
	answer string
	// rest is the end of the answer, written 10 ms after its start, so
	// that the proxy reads the response in two parts.
	rest string
	// bait is written on the same connection 20 ms after answer: a
	// response for whatever request the proxy sends next on it.
	bait string
	// close: the member closes the connection after answer.
	close bool
	// member and balancer are extra YAML lines (indented by the table).
	member, balancer string
	// want lists the acceptable client outcomes, "|"-separated: a status
	// of a complete response the balancer made ("502"), "200" for a
	// complete member response, or "cut" for a connection closed before
	// a complete response (no response, or a body cut short).
	want string
	// inError: the member is in error afterwards.
	inError bool
	// good: the answer is valid, so the member connection may be reused.
	good bool
	// bug names a known defect the case shows; the case is skipped.
	bug string
}

var bigHead = func() string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\n")
	for i := 0; b.Len() < 40<<10; i++ {
		fmt.Fprintf(&b, "X-Filler-%d: %s\r\n", i, strings.Repeat("f", 1000))
	}
	b.WriteString("Content-Length: 2\r\n\r\nok")
	return b.String()
}()

var brokenCases = []brokenCase{
	{name: "well-behaved control", answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", want: "200", good: true},
	{name: "garbage instead of a status line", answer: "this is not http at all\r\n\r\n", want: "502"},
	{name: "binary garbage", answer: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", want: "502"},
	{name: "garbage then close", answer: "\x00\x01\x02 garbage", close: true, want: "502"},
	{name: "invalid status line", answer: "HTTP/1.1 abc\r\nContent-Length: 0\r\n\r\n", want: "502"},
	{name: "four-digit status", answer: "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", want: "502"},
	{name: "not an HTTP version", answer: "HTTP/x.y 200 OK\r\nContent-Length: 0\r\n\r\n", want: "502"},
	{name: "head cut short", answer: "HTTP/1.1 200 OK\r\nContent-Le", close: true, want: "502"},
	{name: "truncated chunked body", close: true, want: "502|cut",
		answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n10\r\nonly a part"},
	{name: "chunked body without its last chunk", close: true, want: "502|cut",
		answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"},
	{name: "Content-Length and Transfer-Encoding", want: "502|cut",
		answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		bait:   "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"},
	{name: "Transfer-Encoding and Content-Length", want: "502|cut",
		answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		bait:   "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"},
	{name: "Content-Length and Transfer-Encoding, head in two parts", want: "502|cut",
		answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
		rest:   "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		bait:   "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"},
	{name: "Content-Length and Transfer-Encoding after 100 Continue", want: "502|cut",
		answer: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		bait:   "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"},
	{name: "never answers", member: "timeout: 300ms", want: "504"},
	{name: "never answers, failontimeout", member: "timeout: 300ms", balancer: "failontimeout: true", want: "504", inError: true},
	{name: "closes mid-body, buffered Content-Length", close: true, want: "502|cut",
		answer: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nforty bytes of a hundred-byte body.....!"},
	{name: "closes mid-body, streamed Content-Length", close: true, want: "502|cut",
		answer: "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + strings.Repeat("x", 100<<10)},
	{name: "oversized header block", answer: bigHead, want: "502"},
}

func TestBrokenMembers(t *testing.T) {
	// One exchange first, so that lazily started process-wide goroutines
	// (fasthttp's dialer cache cleaner) are not counted as leaks.
	t.Run("warm-up", func(t *testing.T) { runBroken(t, &brokenCases[0]) })
	for i := range brokenCases {
		tc := &brokenCases[i]
		t.Run(tc.name, func(t *testing.T) {
			if tc.bug != "" {
				t.Skip("bug: " + tc.bug)
			}
			g0, _ := goroutines()
			f0 := openFDs(t)
			t.Run("exchange", func(t *testing.T) { runBroken(t, tc) })
			// Everything the case started is closed by now: the counts must
			// come back (fasthttp's server workers exit asynchronously).
			var g1, f1 int
			var stacks string
			for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				g1, stacks = goroutines()
				f1 = openFDs(t)
				if (g1 <= g0 && f1 <= f0) || time.Now().After(deadline) {
					break
				}
			}
			if g1 > g0 {
				t.Errorf("goroutines %d → %d:\n%s", g0, g1, stacks)
			}
			if f1 > f0 {
				t.Errorf("open fds %d → %d", f0, f1)
			}
		})
	}
}

// runBroken starts the member and a proxy in front of it, sends GET /bad
// then GET /second on the same client connection, and checks the outcome.
func runBroken(t *testing.T, tc *brokenCase) {
	m := startBroken(t, tc)
	yml := fmt.Sprintf(`
balancers:
  - name: c
    %s
    members:
      - url: %s
        route: r1
        %s
routes:
  - path: /
    balancer: c
`, orDefault(tc.balancer, "lbmethod: byrequests"), m.url, orDefault(tc.member, "timeout: 2s"))
	p, base := startProxy(t, yml)
	mem := p.Snapshot().Balancer("c").Members()[0]
	// Pooled member connections are closed when the case ends, so that
	// the leak counts see only what a broken exchange left behind.
	t.Cleanup(mem.st.hc.Load().CloseIdleConnections)

	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	// Once the client has gone the server must let go of the connection
	// (and its shutdown then need not poll for it).
	t.Cleanup(func() {
		c.Close()
		eventually(t, "the server closed the client connection", func() bool { return p.servers.Current().GetOpenConnectionsCount() == 0 })
	})
	cl := newRawClient(c)

	got := cl.get("/bad")
	t.Logf("client saw %s", got)
	if !got.matches(tc.want) {
		t.Errorf("client saw %s, want %s", got, tc.want)
	}
	if got.bothLengths {
		t.Errorf("the response carries both Content-Length and Transfer-Encoding:\n%s", got.head)
	}
	if e := mem.Flags()&FlagError != 0; e != tc.inError {
		t.Errorf("member in error: %v, want %v (flags %v)", e, tc.inError, FlagNames(mem.Flags()))
	}
	eventually(t, "busy count back to 0", func() bool { return mem.st.sched.Busy.Load() == 0 })

	// The client connection is closed after a cut; otherwise the next
	// request on it gets its own answer.
	if !got.cut {
		next := cl.get("/second")
		if !next.cut && (next.status != 200 || next.body != "/second") {
			t.Errorf("second request on the connection got %s (desynchronised)", next)
		}
	}
	if tc.good {
		if m.reused.Load() != 1 {
			t.Errorf("control: the member connection was reused %d times, want 1", m.reused.Load())
		}
		return
	}
	eventually(t, "the proxy closed the broken member connection", func() bool { return m.openAfterBad.Load() == 0 })
	if n := m.reused.Load(); n != 0 {
		t.Errorf("a member connection that sent a broken response was reused %d times", n)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("not after 1s: %s", what)
			return
		}
	}
}

// brokenMember is a raw member server for one case.
type brokenMember struct {
	tc  *brokenCase
	ln  net.Listener
	url string
	wg  sync.WaitGroup
	mu  sync.Mutex
	cs  map[net.Conn]struct{}
	// reused counts requests read on a connection after its /bad answer.
	reused atomic.Int32
	// openAfterBad counts connections that answered /bad, stayed open,
	// and were not yet closed by the proxy.
	openAfterBad atomic.Int32
}

func startBroken(t *testing.T, tc *brokenCase) *brokenMember {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &brokenMember{tc: tc, ln: ln, url: "http://" + ln.Addr().String(), cs: map[net.Conn]struct{}{}}
	m.wg.Add(1)
	go m.accept()
	t.Cleanup(m.close)
	return m
}

func (m *brokenMember) accept() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		m.mu.Lock()
		m.cs[c] = struct{}{}
		m.mu.Unlock()
		m.wg.Add(1)
		go m.serve(c)
	}
}

func (m *brokenMember) serve(c net.Conn) {
	defer m.wg.Done()
	defer func() {
		m.mu.Lock()
		delete(m.cs, c)
		m.mu.Unlock()
		c.Close()
	}()
	br := bufio.NewReader(c)
	answered, open := false, false
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			if open {
				m.openAfterBad.Add(-1)
			}
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		if answered {
			m.reused.Add(1)
		}
		if req.URL.Path != "/bad" {
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(req.URL.Path), req.URL.Path)
			continue
		}
		_, _ = io.WriteString(c, m.tc.answer)
		if m.tc.rest != "" {
			time.Sleep(10 * time.Millisecond)
			_, _ = io.WriteString(c, m.tc.rest)
		}
		if m.tc.close {
			return
		}
		answered = true
		if !m.tc.good && !open {
			open = true
			m.openAfterBad.Add(1)
		}
		if m.tc.bait != "" {
			time.Sleep(20 * time.Millisecond)
			_, _ = io.WriteString(c, m.tc.bait)
		}
	}
}

func (m *brokenMember) close() {
	m.ln.Close()
	m.mu.Lock()
	for c := range m.cs {
		c.Close()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// rawClient speaks HTTP/1.1 over one connection, keeping the raw bytes of
// each response head so that its framing headers can be checked.
type rawClient struct {
	c   net.Conn
	raw bytes.Buffer
	br  *bufio.Reader
}

func newRawClient(c net.Conn) *rawClient {
	cl := &rawClient{c: c}
	cl.br = bufio.NewReader(io.TeeReader(c, &cl.raw))
	return cl
}

// seenResponse is what the client got for one request.
type seenResponse struct {
	status      int
	body        string
	cut         bool // connection closed before a complete response
	err         error
	head        string
	bothLengths bool
}

func (cl *rawClient) get(path string) seenResponse {
	_ = cl.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(cl.c, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path); err != nil {
		return seenResponse{cut: true, err: err}
	}
	return readRaw(cl)
}

// readRaw reads one response from the client connection.
func readRaw(cl *rawClient) seenResponse {
	cl.raw.Reset()
	resp, err := http.ReadResponse(cl.br, nil)
	if err != nil {
		return seenResponse{cut: closedErr(err), err: err}
	}
	defer resp.Body.Close()
	s := seenResponse{status: resp.StatusCode}
	if i := bytes.Index(cl.raw.Bytes(), []byte("\r\n\r\n")); i >= 0 {
		s.head = string(cl.raw.Bytes()[:i])
	}
	h := strings.ToLower(s.head)
	s.bothLengths = strings.Contains(h, "\ncontent-length:") && strings.Contains(h, "\ntransfer-encoding:")
	body, err := io.ReadAll(resp.Body)
	s.body = string(body)
	if err != nil {
		s.cut, s.err = closedErr(err), err
	}
	return s
}

// closedErr reports whether err means the connection was closed (as
// opposed to a response that could not be parsed, which is worse).
func closedErr(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var op *net.OpError // connection reset
	return errors.As(err, &op)
}

func (s seenResponse) matches(want string) bool {
	for _, w := range strings.Split(want, "|") {
		switch {
		case w == "cut" && s.cut:
			return true
		case !s.cut && s.err == nil && w == fmt.Sprint(s.status):
			return true
		}
	}
	return false
}

func (s seenResponse) String() string {
	if s.cut {
		return fmt.Sprintf("a cut connection (status %d, %d body bytes, %v)", s.status, len(s.body), s.err)
	}
	if s.err != nil {
		return fmt.Sprintf("an unreadable response (status %d: %v)", s.status, s.err)
	}
	b := s.body
	if len(b) > 80 {
		b = b[:80] + "…"
	}
	return fmt.Sprintf("a complete %d response with body %q", s.status, b)
}

// goroutines counts the process's goroutines, leaving out fasthttp's
// cleaners, which outlive what they clean by design: a member pool's
// cleaner sleeps out the idle timeout (30 s) after its last connection
// closed, and a stopped server's worker pool cleaner its idle worker
// duration (10 s).
func goroutines() (int, string) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var keep []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if !strings.Contains(g, "(*HostClient).connsCleaner") && !strings.Contains(g, "(*workerPool).Start.func") {
			keep = append(keep, g)
		}
	}
	return len(keep), strings.Join(keep, "\n\n")
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// TestDroppedAfterRequestIsNotReplayed: a member reads a whole request on
// a reused keep-alive connection and closes it without answering (it
// crashed after acting on it). The member may have acted, so only an
// idempotent request may be sent again; a POST must not reach it twice.
func TestDroppedAfterRequestIsNotReplayed(t *testing.T) {
	for _, tc := range []struct {
		method    string
		want      string // the client's outcome, as in brokenCase.want
		wantTimes int32  // how often the member received the request
		bug       string
	}{
		{method: "GET", want: "200", wantTimes: 2},
		{method: "POST", want: "502|cut", wantTimes: 1},
	} {
		t.Run(tc.method, func(t *testing.T) {
			if tc.bug != "" {
				t.Skip("bug: " + tc.bug)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var got atomic.Int32
			var wg sync.WaitGroup
			t.Cleanup(func() { ln.Close(); wg.Wait() })
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer c.Close()
						br := bufio.NewReader(c)
						for n := 0; ; n++ {
							req, err := http.ReadRequest(br)
							if err != nil {
								return
							}
							_, _ = io.Copy(io.Discard, req.Body)
							if req.URL.Path == "/act" {
								got.Add(1)
								if n > 0 {
									return // acted, then died before answering
								}
							}
							fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(req.URL.Path), req.URL.Path)
						}
					}()
				}
			}()
			p, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: http://"+ln.Addr().String()+"\n        timeout: 2s\nroutes:\n  - path: /\n    balancer: c\n")
			t.Cleanup(p.Snapshot().Balancer("c").Members()[0].st.hc.Load().CloseIdleConnections)
			c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			cl := newRawClient(c)
			if r := cl.get("/warm"); r.status != 200 {
				t.Fatalf("warm-up: %s", r)
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "%s /act HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\ndata", tc.method)
			r := readRaw(cl)
			t.Logf("client saw %s; the member received it %d times", r, got.Load())
			if !r.matches(tc.want) {
				t.Errorf("client saw %s, want %s", r, tc.want)
			}
			if n := got.Load(); n != tc.wantTimes {
				t.Errorf("the member received the %s %d times, want %d", tc.method, n, tc.wantTimes)
			}
		})
	}
}

// TestIdleClosedConnectionIsNotUsed: the member closes a keep-alive
// connection while it idles in the pool (its keep-alive timeout is
// shorter than the pool's). A request that may not be sent twice must not
// go out on it: the pooled connection is found closed and a fresh one is
// dialled, so even a POST succeeds.
func TestIdleClosedConnectionIsNotUsed(t *testing.T) {
	for _, tc := range []struct{ method, bug string }{
		{method: "GET"},
		{method: "POST"},
	} {
		method := tc.method
		t.Run(method, func(t *testing.T) {
			if tc.bug != "" {
				t.Skip("bug: " + tc.bug)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			t.Cleanup(func() { ln.Close(); wg.Wait() })
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer c.Close()
						br := bufio.NewReader(c)
						for {
							_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
							req, err := http.ReadRequest(br)
							if err != nil {
								return // idle too long: close, as a keep-alive timeout does
							}
							_, _ = io.Copy(io.Discard, req.Body)
							fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(req.URL.Path), req.URL.Path)
						}
					}()
				}
			}()
			p, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: http://"+ln.Addr().String()+"\n        timeout: 2s\nroutes:\n  - path: /\n    balancer: c\n")
			t.Cleanup(p.Snapshot().Balancer("c").Members()[0].st.hc.Load().CloseIdleConnections)
			c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			cl := newRawClient(c)
			if r := cl.get("/warm"); r.status != 200 {
				t.Fatalf("warm-up: %s", r)
			}
			time.Sleep(200 * time.Millisecond) // the member closes the pooled connection
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "%s /after-idle HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\ndata", method)
			if r := readRaw(cl); r.status != 200 || r.body != "/after-idle" {
				t.Errorf("%s after the member closed the idle connection: %s", method, r)
			}
		})
	}
}
