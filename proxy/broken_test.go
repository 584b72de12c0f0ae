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
	"testing"
	"time"

	"balancer/internal/testutil"
)

// Broken members: scripted raw TCP members that answer GET /bad with a
// malformed or cut response and every other request correctly. Each case
// checks what the client sees, the member's state, that a member
// connection which carried a broken response is never used again (the way
// a response splitting member desynchronises a proxy), that the client
// connection is never desynchronised, and that goroutines and file
// descriptors come back to where they were.

// brokenCase is one misbehaviour.
type brokenCase struct {
	name string
	// answer is written for GET /bad; silent members write nothing.
	answer string
	// rest is the end of the answer, written splitGap after its start,
	// so that the proxy reads the response in two parts.
	rest string
	// bait is written on the same connection once the client has its
	// answer: a response for whatever request the proxy sends next on it.
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
	{name: "103 Early Hints before the answer", want: "200", good: true,
		answer: "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "101 to a request that asked no upgrade", want: "502|cut",
		answer: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n",
		bait:   "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"},
	{name: "204 with a body", want: "204", answer: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "304 with a body", want: "304", answer: "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "more than its Content-Length", want: "200",
		answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"},
	{name: "two Content-Length", want: "502", answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 12\r\n\r\nhelloHTTP/1.1"},
	{name: "Content-Length with a sign", want: "502", answer: "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello"},
	{name: "chunked not the last coding", want: "502|cut",
		answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		bait:   "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"},
	{name: "head lines ended by LF alone", want: "502", answer: "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello"},
	{name: "one head line ended by LF alone", want: "502", answer: "HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 5\r\n\r\nhello"},
	{name: "obs-fold in the head", want: "200", good: true, answer: "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 5\r\n\r\nhello"},
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
			g0, _ := goroutines()
			f0 := openFDs(t)
			t.Run("exchange", func(t *testing.T) { runBroken(t, tc) })
			// Everything the case started is closed by now: the counts must
			// come back (fasthttp's server workers exit asynchronously).
			var g1, f1 int
			var stacks string
			defer func() {
				if t.Failed() {
					t.Logf("goroutines %d → %d, open fds %d → %d:\n%s", g0, g1, f0, f1, stacks)
				}
			}()
			testutil.Eventually(t, "goroutines and open fds back to where they were", func() bool {
				g1, stacks = goroutines()
				f1 = openFDs(t)
				return g1 <= g0 && f1 <= f0
			})
		})
	}
}

// runBroken starts the member and a proxy in front of it, sends GET /bad
// then GET /second on the same client connection, and checks the outcome.
func runBroken(t *testing.T, tc *brokenCase) {
	bait, baited := make(chan struct{}, 1), make(chan struct{}, 1)
	m := testutil.StartScripted(t, brokenScript(tc, bait, baited))
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
`, orDefault(tc.balancer, "lbmethod: byrequests"), m.URL, orDefault(tc.member, "timeout: 2s"))
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
		testutil.Eventually(t, "the server closed the client connection", func() bool { return p.servers.Current().GetOpenConnectionsCount() == 0 })
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
	testutil.Eventually(t, "busy count back to 0", func() bool { return mem.st.sched.Busy.Load() == 0 })
	bad := m.WaitArrived(t, "the member received GET /bad", func(r testutil.RawRequest) bool { return r.URI == "/bad" })
	if tc.bait != "" {
		// The proxy is done with the answer: whatever comes on that
		// connection from now on answers a request not yet sent.
		bait <- struct{}{}
		select {
		case <-baited:
		case <-time.After(5 * time.Second):
			t.Fatal("the member never wrote its bait")
		}
	}

	// The client connection is closed after a cut; otherwise the next
	// request on it gets its own answer.
	if !got.cut {
		next := cl.get("/second")
		if !next.cut && (next.status != 200 || next.body != "/second") {
			t.Errorf("second request on the connection got %s (desynchronised)", next)
		}
	}
	if tc.good {
		// The control's connection goes on serving: /second came on it.
		var on []int
		for _, r := range m.Requests() {
			if r.URI == "/second" {
				on = append(on, r.Conn)
			}
		}
		if len(on) != 1 || on[0] != bad.Conn {
			t.Errorf("control: /second came on member connections %v, want [%d], the one /bad came on", on, bad.Conn)
		}
		return
	}
	// The proxy closes the member connection that carried a broken
	// response (or the member did), without sending anything more on it.
	conn := m.WaitClosed(t, "the connection that answered /bad closed", func(rc testutil.RawConn) bool { return rc.N == bad.Conn })
	if n := len(conn.Requests); n != 1 {
		t.Errorf("a member connection that sent a broken response carried %d requests, want only /bad", n)
	}
	if after, ok := bytes.CutPrefix(conn.Received, bad.Raw); !ok || len(after) > 0 {
		t.Errorf("the connection that answered /bad received %q, want only %q", conn.Received, bad.Raw)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// splitGap is the pause between the two parts of an answer written in
// two: pacing, so that the proxy reads them apart; nothing waits on it.
const splitGap = 10 * time.Millisecond

// brokenScript answers GET /bad as the case says and every other request
// with its path. The bait waits for a value on bait, and baited gets one
// once it is written.
func brokenScript(tc *brokenCase, bait <-chan struct{}, baited chan<- struct{}) testutil.Script {
	return func(c *testutil.ScriptConn) {
		for {
			r, err := c.ReadRequest()
			if err != nil {
				return
			}
			if r.URI != "/bad" {
				c.Write(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(r.URI), r.URI))
				continue
			}
			c.WritePaced(splitGap, tc.answer, tc.rest)
			if tc.close {
				return
			}
			if tc.bait != "" {
				if !c.Wait(bait) {
					return
				}
				c.Write(tc.bait)
				baited <- struct{}{}
			}
		}
	}
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
		wantTimes int    // how often the member received the request
	}{
		{method: "GET", want: "200", wantTimes: 2},
		{method: "POST", want: "502|cut", wantTimes: 1},
	} {
		t.Run(tc.method, func(t *testing.T) {
			m := testutil.StartScripted(t, func(c *testutil.ScriptConn) {
				for n := 0; ; n++ {
					r, err := c.ReadRequest()
					if err != nil {
						return
					}
					if r.URI == "/act" && n > 0 {
						return // acted, then died before answering
					}
					c.Write(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(r.URI), r.URI))
				}
			})
			p, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: "+m.URL+"\n        timeout: 2s\nroutes:\n  - path: /\n    balancer: c\n")
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
			// Any resend happens before the client's answer, so the count
			// is final once the client has it.
			got := 0
			for _, q := range m.Requests() {
				if q.URI == "/act" {
					got++
				}
			}
			t.Logf("client saw %s; the member received it %d times", r, got)
			if !r.matches(tc.want) {
				t.Errorf("client saw %s, want %s", r, tc.want)
			}
			if n := got; n != tc.wantTimes {
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
	for _, tc := range []struct{ method string }{
		{method: "GET"},
		{method: "POST"},
	} {
		method := tc.method
		t.Run(method, func(t *testing.T) {
			// The member closes the connection after answering /warm, as
			// one whose keep-alive timeout ran out while it idled does.
			m := testutil.StartRawMember(t, testutil.ClosesIdle)
			p, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: "+m.URL+"\n        timeout: 2s\nroutes:\n  - path: /\n    balancer: c\n")
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
			select {
			case <-m.IdleClosed:
			case <-time.After(5 * time.Second):
				t.Fatal("the member did not close the pooled connection")
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "%s /after-idle HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\ndata", method)
			if r := readRaw(cl); r.status != 200 {
				t.Errorf("%s after the member closed the idle connection: %s", method, r)
			}
			var after []testutil.RawRequest
			for _, r := range m.Requests() {
				if r.URI == "/after-idle" {
					after = append(after, r)
				}
			}
			if len(after) != 1 || !after[0].Complete || string(after[0].Body) != "data" || after[0].Method != method {
				t.Errorf("the member received %+v, want one %s /after-idle with its 4 bytes", after, method)
			}
		})
	}
}
