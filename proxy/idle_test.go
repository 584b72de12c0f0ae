package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/internal/testutil"
)

// idleProxy starts a proxy in front of one member with the given limits
// (YAML flow style) and returns it, its address and the number of open
// connections its server counts with none from clients.
func idleProxy(t *testing.T, limits string) (*Proxy, string, *testutil.Member, int32) {
	t.Helper()
	m := testutil.StartMember(t, "node1")
	p, base := startProxy(t, "limits: {"+limits+"}\n"+oneMember, m)
	// Until its accept loop runs, fasthttp counts -1 connections.
	testutil.Eventually(t, "the server accepts", func() bool { return p.servers.Current().GetOpenConnectionsCount() == 0 })
	return p, strings.TrimPrefix(base, "http://"), m, 0
}

// roundTrip writes req on c and reads one response. It keeps no buffer
// beyond the call: what the tests measure is the server's.
func roundTrip(t *testing.T, c net.Conn, req string) (int, string) {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	return readResponse(t, bufio.NewReaderSize(c, 512))
}

func readResponse(t *testing.T, br *bufio.Reader) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

const getRoot = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

// parkOne opens a connection, has one request answered on it and waits
// until it is parked: fasthttp serves no client connection any more.
func parkOne(t *testing.T, p *Proxy, addr string, served int32) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if code, body := roundTrip(t, c, getRoot); code != 200 || body != "route=node1\n" {
		t.Fatalf("first request: %d %q", code, body)
	}
	testutil.Eventually(t, "the connection parked", func() bool {
		return p.idle.parked.Load() == 1 && p.servers.Current().GetOpenConnectionsCount() == served
	})
	return c
}

// TestParkedConnectionServesOn: a parked connection is served again as
// if it had never left, whatever its client does next.
func TestParkedConnectionServesOn(t *testing.T) {
	cases := []struct {
		name string
		// next is what the client sends once its connection is parked.
		next string
		// want is each response's status and body, in order.
		want []string
		// body is what the member must have received last.
		body string
	}{
		{name: "another request", next: getRoot, want: []string{"200 route=node1\n"}},
		{name: "a request with a body",
			next: "POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
			want: []string{"200 route=node1\n"}, body: "hello"},
		{name: "a chunked body",
			next: "POST /form HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			want: []string{"200 route=node1\n"}, body: "abc"},
		{name: "two requests pipelined", next: getRoot + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n",
			want: []string{"200 route=node1\n", "200 route=node1\n"}},
		{name: "a request and its close", next: "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			want: []string{"200 route=node1\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, addr, m, served := idleProxy(t, "idlerelease: 1ms")
			c := parkOne(t, p, addr, served)
			if _, err := io.WriteString(c, tc.next); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			for i, w := range tc.want {
				code, body := readResponse(t, br)
				if got := fmt.Sprintf("%d %s", code, body); got != w {
					t.Errorf("response %d after parking: %q, want %q", i+1, got, w)
				}
			}
			if seen := m.Seen(); len(seen) != 1+len(tc.want) || string(seen[len(seen)-1].Body) != tc.body {
				t.Errorf("the member saw %d requests, the last with body %q; want %d, %q", len(seen), seen[len(seen)-1].Body, 1+len(tc.want), tc.body)
			}
		})
	}
}

// TestParkedH2CConnectionServesOn: the HTTP/1.1 connections of a
// listener that also takes h2c park and are served on.
func TestParkedH2CConnectionServesOn(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	e := startH2(t, "limits: {idlerelease: 1ms}\n"+oneMember, m)
	c, err := net.Dial("tcp", strings.TrimPrefix(e.h2cURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 2 {
		if code, body := roundTrip(t, c, getRoot); code != 200 || body != "route=node1\n" {
			t.Fatalf("request %d: %d %q", i+1, code, body)
		}
		testutil.Eventually(t, "the connection parked", func() bool { return e.p.idle.parked.Load() == 1 })
	}
	if n := m.Count(); n != 2 {
		t.Fatalf("the member got %d requests, want 2", n)
	}
}

// TestParkedConnectionEnds: a parked connection is closed when its client
// closes it, when its idle timeout ends, and when the proxy shuts down;
// then nothing of it is left.
func TestParkedConnectionEnds(t *testing.T) {
	cases := []struct {
		name   string
		limits string
		end    func(p *Proxy, c net.Conn)
		// eof: the client sees the server close the connection.
		eof bool
	}{
		{name: "the client closes", limits: "idlerelease: 1ms",
			end: func(_ *Proxy, c net.Conn) { c.Close() }},
		{name: "the idle timeout ends", limits: "idlerelease: 1ms, idletimeout: 1s",
			end: func(*Proxy, net.Conn) {}, eof: true},
		{name: "the proxy shuts down", limits: "idlerelease: 1ms",
			end: func(p *Proxy, _ net.Conn) { _ = p.Shutdown(context.Background()) }, eof: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, addr, _, served := idleProxy(t, tc.limits)
			c := parkOne(t, p, addr, served)
			tc.end(p, c)
			if tc.eof {
				// The deadline only bounds a failing test.
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
					t.Fatalf("read on the parked connection: %d, %v; want the server's close", n, err)
				}
			}
			testutil.Eventually(t, "nothing parked or served", func() bool {
				return p.idle.parked.Load() == 0 && p.servers.Current().GetOpenConnectionsCount() <= served
			})
		})
	}
}

// TestParkedConnectionsCountAgainstMaxConns: limits.maxconns bounds the
// parked connections with the served ones; one closed makes room.
func TestParkedConnectionsCountAgainstMaxConns(t *testing.T) {
	p, addr, _, served := idleProxy(t, "idlerelease: 1ms, maxconns: 1")
	c := parkOne(t, p, addr, served)
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if code, body := readResponse(t, bufio.NewReader(extra)); code != 503 || !strings.Contains(body, "Concurrency limit") {
		t.Fatalf("a connection beyond maxconns 1 with one parked: %d %q, want 503", code, body)
	}
	c.Close()
	testutil.Eventually(t, "room for a connection again", func() bool { return p.idle.parked.Load() == 0 })
	parkOne(t, p, addr, served)
}

// TestParkingRacesRequests: requests that arrive just before, while and
// after their connection is parked are each answered once, in order. The
// client waits a varying number of sweeps between requests, so that the
// wait is cut short at every point of it.
func TestParkingRacesRequests(t *testing.T) {
	p, addr, m, _ := idleProxy(t, "idlerelease: 1ms")
	const conns, requests = 4, 40
	errs := make(chan error, conns)
	for i := range conns {
		go func() {
			errs <- func() error {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					return err
				}
				defer c.Close()
				br := bufio.NewReader(c)
				for j := range requests {
					req := fmt.Sprintf("POST /%d/%d HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok", i, j)
					if _, err := io.WriteString(c, req); err != nil {
						return err
					}
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						return fmt.Errorf("request %d on connection %d: %w", j, i, err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || string(b) != "route=node1\n" {
						return fmt.Errorf("request %d on connection %d: %d %q", j, i, resp.StatusCode, b)
					}
					// Idle for 0 to 3 sweeps: parking needs 2.
					for e := p.idle.epoch.Load() + uint32((i+j)%4); p.idle.epoch.Load() < e; {
						runtime.Gosched()
					}
				}
				return nil
			}()
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Count(); n != conns*requests {
		t.Fatalf("the member got %d requests, want %d", n, conns*requests)
	}
}

// TestParkedConnectionsReleaseMemory: idle connections hold the server's
// buffers and request contexts (over 16 KiB each) until they park; parked
// ones hold a few hundred bytes of heap.
func TestParkedConnectionsReleaseMemory(t *testing.T) {
	const n = 300
	cases := []struct {
		name   string
		limits string
		// parked: the connections are to park; then each may hold
		// at most max bytes of heap, else at least min.
		parked   bool
		min, max uint64
	}{
		{name: "kept (idlerelease 0)", limits: "idlerelease: 0s", min: 16 << 10},
		{name: "parked", limits: "idlerelease: 1ms", parked: true, max: 4 << 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, addr, _, served := idleProxy(t, tc.limits)
			// A first connection makes the member's pool and the
			// server's worker; closed, it leaves them.
			c0, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c0, getRoot)
			c0.Close()
			testutil.Eventually(t, "the first connection closed", func() bool {
				return p.servers.Current().GetOpenConnectionsCount() == served
			})
			before := heapInUse()
			conns := make([]net.Conn, 0, n)
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for range n {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
				if code, _ := roundTrip(t, c, getRoot); code != 200 {
					t.Fatalf("status %d", code)
				}
			}
			if tc.parked {
				testutil.Eventually(t, "every connection parked", func() bool {
					return p.idle.parked.Load() == n && p.servers.Current().GetOpenConnectionsCount() == served
				})
			} else if got := p.servers.Current().GetOpenConnectionsCount(); got != served+n {
				t.Fatalf("the server serves %d connections, want %d", got-served, n)
			}
			after := heapInUse()
			per := (int64(after) - int64(before)) / n
			t.Logf("%d idle connections: %d bytes of heap each", n, per)
			if tc.parked && per > int64(tc.max) || !tc.parked && per < int64(tc.min) {
				t.Fatalf("%d bytes of heap per idle connection; want %s", per,
					map[bool]string{true: fmt.Sprintf("at most %d", tc.max), false: fmt.Sprintf("at least %d", tc.min)}[tc.parked])
			}
		})
	}
}

// heapInUse is the heap in use once garbage and the pools are collected
// (a pool empties over two collections).
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestParkableConnectionDoesNotAllocate: a busy keep-alive connection of
// a plain listener (a parkConn, followed by the ConnState hook) costs no
// allocation per request, client and member included.
func TestParkableConnectionDoesNotAllocate(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	// Members on in-memory listeners (fasthttp, allocating nothing), the
	// client on a real socket.
	p := inMemoryProxy(t, 3, "byrequests")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	addr := ln.Addr().String()
	c := &fasthttp.HostClient{Addr: addr, MaxConns: 1}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://" + addr + "/app")
	req.Header.Set("Cookie", "JSESSIONID=8f3a9c2e.node1")
	do := func() {
		if err := c.Do(req, resp); err != nil || resp.StatusCode() != 200 {
			t.Fatalf("%v %d", err, resp.StatusCode())
		}
	}
	for range 100 {
		do()
	}
	p.idle.mu.Lock()
	parkable := len(p.idle.live)
	p.idle.mu.Unlock()
	if parkable != 1 {
		t.Fatalf("%d parkable connections, want the client's", parkable)
	}
	if n := testing.AllocsPerRun(1000, do); n > 0 {
		t.Errorf("%.2f allocations per request, want 0", n)
	}
}

// TestClosedConnectionStaysClosed: fasthttp's Shutdown can close a
// connection between marking it idle and telling the hook; the serving
// goroutine then closes it again. The second Close must not untrack it a
// second time, which took another connection's slot in the sweep's list
// (or, on an empty list, panicked).
func TestClosedConnectionStaysClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var ic idleConns
	accept := func() *lingerConn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		sc, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		return &lingerConn{Conn: ic.track(sc.(*net.TCPConn))}
	}
	other, closing := accept(), accept()
	_ = closing.Close() // Shutdown's closeIdleConns
	ic.connState(closing, fasthttp.StateIdle)
	_ = closing.Close() // the serving goroutine's own Close
	if len(ic.live) != 1 || ic.live[0] != other.Conn.(*parkConn) {
		t.Fatalf("tracked after the double close: %d connections, want only the other one", len(ic.live))
	}
	ic.connState(other, fasthttp.StateIdle)
	if got := other.Conn.(*parkConn).state.Load(); got != connWaiting {
		t.Fatalf("a busy connection marked idle is in state %d, want waiting (%d)", got, connWaiting)
	}
}
