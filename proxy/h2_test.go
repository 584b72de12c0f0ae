package proxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/internal/testutil"
)

// h2Env is a proxy serving one TLS listener (h2 by ALPN) and one plain
// listener that also takes h2c, with clients for each.
type h2Env struct {
	p              *Proxy
	tlsURL, h2cURL string
	// tls and h2c speak HTTP/2; h1 speaks HTTP/1.1 to either listener.
	tls, h2c, h1 *http.Client
	recs         *recorder
}

// recorder keeps the Records the proxy reports.
type recorder struct {
	mu   sync.Mutex
	recs []Record
}

func (r *recorder) Done(_ *fasthttp.RequestCtx, rec *Record) {
	r.mu.Lock()
	r.recs = append(r.recs, *rec)
	r.mu.Unlock()
}

func (r *recorder) all() []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Record(nil), r.recs...)
}

func startH2(t testing.TB, yml string, members ...*testutil.Member) *h2Env {
	t.Helper()
	e := &h2Env{recs: &recorder{}}
	var err error
	e.p, err = New(testConfig(t, yml, members...), Options{Observer: e.recs})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, pool := testutil.SelfSigned(t, t.TempDir(), "balancer")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tln := tls.NewListener(raw, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}})
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.p.ServeHTTP2(tln, false)
	go e.p.ServeHTTP2(pln, true)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.p.Shutdown(ctx)
	})
	e.tlsURL = "https://" + raw.Addr().String()
	e.h2cURL = "http://" + pln.Addr().String()
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h2c := new(http.Protocols)
	h2c.SetUnencryptedHTTP2(true)
	e.tls = &http.Client{Timeout: 10 * time.Second, CheckRedirect: noRedirect, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true, DisableCompression: true}}
	e.h2c = &http.Client{Timeout: 10 * time.Second, CheckRedirect: noRedirect, Transport: &http.Transport{
		Protocols: h2c, DisableCompression: true}}
	e.h1 = &http.Client{Timeout: 10 * time.Second, CheckRedirect: noRedirect, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}}, DisableCompression: true}}
	t.Cleanup(func() {
		for _, c := range []*http.Client{e.tls, e.h2c, e.h1} {
			c.CloseIdleConnections()
		}
	})
	return e
}

// oneMember is a balancer of one member, {{m0}}, for every path.
const oneMember = `
balancers:
  - name: c
    members:
      - {url: "{{m0}}", route: node1}
routes:
  - {path: /, balancer: c}
`

// clients are the HTTP/2 ways in: over TLS and cleartext.
func (e *h2Env) clients() []struct {
	name   string
	c      *http.Client
	base   string
	scheme string
} {
	return []struct {
		name   string
		c      *http.Client
		base   string
		scheme string
	}{{"tls", e.tls, e.tlsURL, "https"}, {"h2c", e.h2c, e.h2cURL, "http"}}
}

// do sends one request and returns the response with its body read.
func do(t testing.TB, c *http.Client, method, url string, body io.Reader, headers ...string) (*http.Response, []byte) {
	t.Helper()
	resp := doRequest(t, c, method, url, body, headers...)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp, b
}

// TestH2Routing: over HTTP/2 (TLS and h2c), sticky requests by cookie and
// by path parameter go to their route's member, requests without a
// session are balanced; members get HTTP/1.1 with one X-Forwarded-For,
// the client's :authority as Host and the right X-Forwarded-Proto; the
// record says HTTP/2.0; HTTP/1.1 on the same listeners still works.
func TestH2Routing(t *testing.T) {
	ms := threeMembers(t)
	e := startH2(t, threeYAML, ms...)
	// Without a session, byrequests spreads the requests (first: sticky
	// requests weigh on its arithmetic, as in httpd).
	seen := map[string]int{}
	for range 10 {
		resp, _ := do(t, e.tls, "GET", e.tlsURL+"/x", nil)
		seen[resp.Header.Get("X-Route")]++
	}
	if len(seen) != 3 {
		t.Errorf("10 requests without a session went to %v, want all three members", seen)
	}
	for _, cl := range e.clients() {
		cases := []struct {
			name, path, header, want string
		}{
			{"cookie", "/app", "Cookie: JSESSIONID=abc.node2", "node2"},
			{"split cookies", "/app", "Cookie: a=1; JSESSIONID=abc.node3", "node3"},
			{"path parameter", "/app;jsessionid=abc.node3?x=1", "", "node3"},
			{"query", "/app?jsessionid=abc.node2", "", "node2"},
		}
		for _, c := range cases {
			t.Run(cl.name+"/"+c.name, func(t *testing.T) {
				var hs []string
				if c.header != "" {
					hs = append(hs, c.header)
				}
				resp, body := do(t, cl.c, "GET", cl.base+c.path, nil, hs...)
				if resp.ProtoMajor != 2 {
					t.Fatalf("client spoke %s, want HTTP/2", resp.Proto)
				}
				if resp.StatusCode != 200 || resp.Header.Get("X-Route") != c.want {
					t.Fatalf("got %d from %q (%s), want 200 from %s", resp.StatusCode, resp.Header.Get("X-Route"), body, c.want)
				}
			})
		}
	}
	// What the member saw of the last request over each listener.
	for _, m := range ms {
		for _, s := range m.Seen() {
			if n := len(s.Header.Values("X-Forwarded-For")); n != 1 || s.Header.Get("X-Forwarded-For") != "127.0.0.1" {
				t.Errorf("%s got X-Forwarded-For %q, want one 127.0.0.1", m.Route, s.Header.Values("X-Forwarded-For"))
			}
			proto := s.Header.Get("X-Forwarded-Proto")
			wantHost := strings.TrimPrefix(e.h2cURL, "http://")
			if proto == "https" {
				wantHost = strings.TrimPrefix(e.tlsURL, "https://")
			}
			if s.Host != wantHost {
				t.Errorf("%s got Host %q with proto %q, want %q", m.Route, s.Host, proto, wantHost)
			}
		}
	}
	// HTTP/1.1 on both listeners.
	for _, base := range []string{e.tlsURL, e.h2cURL} {
		resp, _ := do(t, e.h1, "GET", base+"/app", nil, "Cookie: JSESSIONID=abc.node1")
		if resp.ProtoMajor != 1 || resp.Header.Get("X-Route") != "node1" {
			t.Errorf("HTTP/1.1 to %s: %s from %q, want HTTP/1.1 from node1", base, resp.Proto, resp.Header.Get("X-Route"))
		}
	}
	protos := map[string]int{}
	for _, r := range e.recs.all() {
		protos[r.Protocol]++
	}
	if protos[ProtoHTTP2] != 18 || protos[ProtoHTTP11] != 2 {
		t.Errorf("records by protocol %v, want 18 HTTP/2.0 and 2 HTTP/1.1", protos)
	}
	if got := e.p.protocols[2].Load(); got != 18 {
		t.Errorf("HTTP/2 requests counted %d, want 18", got)
	}
}

// TestH2RefusesAsHTTP1Does: the request path's refusals hold over HTTP/2.
func TestH2RefusesAsHTTP1Does(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	e := startH2(t, `
balancers:
  - name: c
    members:
      - {url: "{{m0}}", route: node1}
routes:
  - {path: /shop, balancer: c}
`, m)
	cases := []struct {
		name, path string
		headers    []string
		want       int
	}{
		{"encoded slash", "/shop/a%2Fb", nil, 404},
		{"encoded dot-segment", "/shop/..%2fadmin", nil, 400},
		{"no route", "/elsewhere", nil, 404},
		{"allowed", "/shop/ok", nil, 200},
		{"too many fields", "/shop/ok", manyHeaders(120), 431},
	}
	for _, cl := range e.clients() {
		for _, c := range cases {
			t.Run(cl.name+"/"+c.name, func(t *testing.T) {
				resp, body := do(t, cl.c, "GET", cl.base+c.path, nil, c.headers...)
				if resp.StatusCode != c.want {
					t.Fatalf("got %d (%s), want %d", resp.StatusCode, body, c.want)
				}
			})
		}
	}
	if n := m.Count(); n != 2 {
		t.Errorf("member received %d requests, want only the 2 allowed", n)
	}
}

func manyHeaders(n int) []string {
	hs := make([]string, n)
	for i := range hs {
		hs[i] = fmt.Sprintf("X-H%d: v", i)
	}
	return hs
}

// TestH2ConcurrentStreams: many streams on one connection, to different
// members, with bodies of different sizes (some read whole, some
// streamed): each answer comes back on its own stream, none mixed.
func TestH2ConcurrentStreams(t *testing.T) {
	ms := threeMembers(t)
	e := startH2(t, threeYAML, ms...)
	for _, cl := range e.clients() {
		t.Run(cl.name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 60)
			var conns sync.Map // the client connections the streams used
			trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
				conns.Store(i.Conn.LocalAddr().String(), true)
			}}
			for i := range 60 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					route := fmt.Sprintf("node%d", i%3+1)
					n := 1000 + i*4099 // 1 KB to 243 KB: both sides of smallBody
					req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
						"GET", fmt.Sprintf("%s/big?n=%d", cl.base, n), nil)
					req.Header.Set("Cookie", "JSESSIONID=s"+fmt.Sprint(i)+"."+route)
					resp, err := cl.c.Do(req)
					if err != nil {
						errs <- err
						return
					}
					defer resp.Body.Close()
					b, err := io.ReadAll(resp.Body)
					switch {
					case err != nil:
						errs <- fmt.Errorf("stream %d: %v", i, err)
					case resp.ProtoMajor != 2:
						errs <- fmt.Errorf("stream %d: %s", i, resp.Proto)
					case resp.Header.Get("X-Route") != route || len(b) != n:
						errs <- fmt.Errorf("stream %d: %d bytes from %s, want %d from %s", i, len(b), resp.Header.Get("X-Route"), n, route)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			n := 0
			conns.Range(func(any, any) bool { n++; return true })
			if n != 1 {
				t.Errorf("the streams used %d connections, want 1", n)
			}
		})
	}
}

// TestH2Bodies: request bodies with and without content-length, under and
// over maxbodysize; the member gets exactly the body, or nothing.
func TestH2Bodies(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	e := startH2(t, `
limits:
  maxbodysize: 100KiB
balancers:
  - name: c
    retrybuffer: 16KiB
    members:
      - {url: "{{m0}}", route: node1}
routes:
  - {path: /, balancer: c}
`, m)
	for _, cl := range e.clients() {
		for _, size := range []int{0, 1000, 16 << 10, 16<<10 + 1, 100 << 10, 100<<10 + 1, 1 << 20} {
			for _, withLength := range []bool{true, false} {
				name := fmt.Sprintf("%s/%d/length=%t", cl.name, size, withLength)
				t.Run(name, func(t *testing.T) {
					body := bytes.Repeat([]byte{'b'}, size)
					var r io.Reader = bytes.NewReader(body)
					if !withLength {
						r = io.MultiReader(r) // hides the length: no content-length
					}
					// A cut upload reaches the member's log late: each case
					// has its own path.
					path := fmt.Sprintf("/up/%s/%d/%t", cl.name, size, withLength)
					req, _ := http.NewRequest("POST", cl.base+path, r)
					if !withLength {
						req.ContentLength = -1
					}
					resp, err := cl.c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					var seen []testutil.Seen
					for _, s := range m.Seen() {
						if s.URI == path {
							seen = append(seen, s)
						}
					}
					if size > 100<<10 {
						if resp.StatusCode != 413 {
							t.Fatalf("got %d, want 413", resp.StatusCode)
						}
						if withLength && len(seen) != 0 {
							t.Fatalf("member received %d requests of a body refused by its length", len(seen))
						}
						return
					}
					if resp.StatusCode != 200 || len(seen) != 1 {
						t.Fatalf("got %d, member saw %d requests; want 200 and 1", resp.StatusCode, len(seen))
					}
					if sha256.Sum256(seen[0].Body) != sha256.Sum256(body) {
						t.Fatalf("member got %d bytes, not the %d sent", len(seen[0].Body), size)
					}
				})
			}
		}
	}
}

// TestH2Failover: an idempotent sticky request whose member is gone goes
// to another member, which is told the route changed.
func TestH2Failover(t *testing.T) {
	ms := threeMembers(t)
	e := startH2(t, threeYAML, ms...)
	ms[1].Close()
	for _, cl := range e.clients() {
		resp, body := do(t, cl.c, "GET", cl.base+"/app", nil, "Cookie: JSESSIONID=abc.node2")
		if resp.StatusCode != 200 || resp.Header.Get("X-Route") == "node2" {
			t.Fatalf("%s: got %d from %q (%s), want 200 from another member", cl.name, resp.StatusCode, resp.Header.Get("X-Route"), body)
		}
	}
	changed := 0
	for _, m := range []*testutil.Member{ms[0], ms[2]} {
		for _, s := range m.Seen() {
			if s.Header.Get(HeaderRouteChanged) == "node2" {
				changed++
			}
		}
	}
	if changed != 2 {
		t.Errorf("%d requests carried %s: node2, want 2", changed, HeaderRouteChanged)
	}
}

// TestH2ResetCancelsMember: a client that resets its stream while the
// member works ends the exchange at once: the member's slot is given
// back, the member is not put in error, and the record says 499.
func TestH2ResetCancelsMember(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	e := startH2(t, oneMember, m)
	st := e.p.Snapshot().Balancers[0].members[0].st
	for _, cl := range e.clients() {
		t.Run(cl.name, func(t *testing.T) {
			arrived, release := m.Hold()
			defer release()
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "GET", cl.base+"/slow", nil)
			done := make(chan error, 1)
			go func() {
				resp, err := cl.c.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				done <- err
			}()
			testutil.Receive(t, arrived, "the request at the member", testutil.Within(5*time.Second))
			if b := st.sched.Busy.Load(); b != 1 {
				t.Fatalf("member busy %d while it works, want 1", b)
			}
			cancel()
			if err := testutil.Receive(t, done, "the client's end", testutil.Within(5*time.Second)); err == nil {
				t.Fatal("the request succeeded; it was cancelled")
			}
			testutil.Eventually(t, "the member's slot given back", func() bool { return st.sched.Busy.Load() == 0 }, testutil.Within(5*time.Second))
			if st.flags.Load()&FlagError != 0 {
				t.Fatal("the member was put in error for the client's reset")
			}
			testutil.Eventually(t, "a record of 499", func() bool {
				recs := e.recs.all()
				return len(recs) > 0 && recs[len(recs)-1].Status == StatusClientClosedRequest
			}, testutil.Within(5*time.Second))
		})
	}
}

// TestH2StreamsAsItArrives: a member's response is flushed to the client
// as it arrives (server-sent events), not when it ends.
func TestH2StreamsAsItArrives(t *testing.T) {
	next := make(chan struct{})
	member := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			<-next
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go member.Serve(ln)
	t.Cleanup(func() { member.Close() })
	yml := strings.ReplaceAll(oneMember, "{{m0}}", "http://"+ln.Addr().String())
	e := startH2(t, yml)
	for _, cl := range e.clients() {
		t.Run(cl.name, func(t *testing.T) {
			resp, err := cl.c.Get(cl.base + "/events")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			buf := make([]byte, 64)
			for i := range 3 {
				n, err := io.ReadAtLeast(resp.Body, buf, len("data: 0\n\n"))
				if err != nil || string(buf[:n]) != fmt.Sprintf("data: %d\n\n", i) {
					t.Fatalf("event %d: %q, %v", i, buf[:n], err)
				}
				next <- struct{}{} // the member sends the next one only now
			}
		})
	}
}

// TestH2SlowBody: a request body that stalls over HTTP/2 gets 408 once
// bodytimeout passes, as over HTTP/1.1, and the member is not in error.
func TestH2SlowBody(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	e := startH2(t, `
limits:
  bodytimeout: 300ms
  bodyminrate: 0
balancers:
  - name: c
    retrybuffer: 1KiB
    members:
      - {url: "{{m0}}", route: node1}
routes:
  - {path: /, balancer: c}
`, m)
	st := e.p.Snapshot().Balancers[0].members[0].st
	for _, cl := range e.clients() {
		t.Run(cl.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pw.Close()
			go pw.Write(bytes.Repeat([]byte{'a'}, 100)) // then nothing more
			req, _ := http.NewRequest("POST", cl.base+"/up", pr)
			req.ContentLength = 10000
			resp, err := cl.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("got %d, want 408", resp.StatusCode)
			}
			if st.flags.Load()&FlagError != 0 || st.sched.Busy.Load() != 0 {
				t.Fatal("the member was put in error, or kept busy, for the client's stall")
			}
		})
	}
}

// TestH2ShutdownFinishesStreams: a graceful stop lets a stream in flight
// end with its answer, and takes no new connection.
func TestH2ShutdownFinishesStreams(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	e := startH2(t, oneMember, m)
	arrived, release := m.Hold()
	defer release()
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := e.tls.Get(e.tlsURL + "/held")
		if err != nil {
			done <- result{0, err}
			return
		}
		resp.Body.Close()
		done <- result{resp.StatusCode, nil}
	}()
	testutil.Receive(t, arrived, "the stream at the member")
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- e.p.Shutdown(ctx)
	}()
	testutil.Eventually(t, "the listeners closed", func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(e.tlsURL, "https://"))
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	release()
	if r := testutil.Receive(t, done, "the held stream's answer"); r.err != nil || r.status != 200 {
		t.Fatalf("the stream in flight: %d %v, want 200", r.status, r.err)
	}
	if err := testutil.Receive(t, stopped, "the end of Shutdown"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestH2MaxConns: limits.maxconns bounds the HTTP/2 connections open at
// once; one closed makes room for the next.
func TestH2MaxConns(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	e := startH2(t, "limits:\n  maxconns: 2\n"+oneMember, m)
	addr := strings.TrimPrefix(e.h2cURL, "http://")
	var open []net.Conn
	for i := range 2 {
		c, _, err := testutil.H2Open(addr)
		if err != nil {
			t.Fatalf("connection %d of 2: %v", i+1, err)
		}
		open = append(open, c)
	}
	if c, _, err := testutil.H2Open(addr); err == nil {
		c.Close()
		t.Fatal("a third HTTP/2 connection was served with maxconns 2")
	}
	open[0].Close()
	testutil.Eventually(t, "room for a connection again", func() bool {
		c, _, err := testutil.H2Open(addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	open[1].Close()
}

// TestH2ResponseFraming: what frames an HTTP/1.1 answer becomes HTTP/2's
// own: a HEAD keeps its content-length and has no body, a chunked answer
// streams without one, every Set-Cookie comes through.
func TestH2ResponseFraming(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	e := startH2(t, oneMember, m)
	for _, cl := range e.clients() {
		t.Run(cl.name, func(t *testing.T) {
			resp, body := do(t, cl.c, "HEAD", cl.base+"/big?n=5000", nil)
			if resp.StatusCode != 200 || resp.ContentLength != 5000 || len(body) != 0 {
				t.Errorf("HEAD: %d, content-length %d, %d body bytes; want 200, 5000, 0", resp.StatusCode, resp.ContentLength, len(body))
			}
			resp, body = do(t, cl.c, "GET", cl.base+"/big?n=200000&chunked=1", nil)
			if resp.StatusCode != 200 || resp.ContentLength != -1 || len(body) != 200000 {
				t.Errorf("chunked: %d, content-length %d, %d bytes; want 200, none, 200000", resp.StatusCode, resp.ContentLength, len(body))
			}
			resp, body = do(t, cl.c, "GET", cl.base+"/big?n=70000", nil)
			if resp.ContentLength != 70000 || len(body) != 70000 {
				t.Errorf("streamed with a length: content-length %d, %d bytes; want 70000", resp.ContentLength, len(body))
			}
			resp, _ = do(t, cl.c, "GET", cl.base+"/set-session?id=abc", nil)
			if c := resp.Cookies(); len(c) != 1 || c[0].Value != "abc.node1" {
				t.Errorf("Set-Cookie: %v", resp.Header.Values("Set-Cookie"))
			}
			if v := resp.Header.Get("Connection"); v != "" {
				t.Errorf("a Connection header went out over HTTP/2: %q", v)
			}
		})
	}
}

// TestH2HeadsCannotGainLines: whatever reaches the handler, the HTTP/1.1
// head written from it gets no line of the client's making.
func TestH2HeadsCannotGainLines(t *testing.T) {
	var x h2ctx
	for _, r := range []*http.Request{
		{Method: "GET", RequestURI: "/a\r\nX-Injected: 1", Host: "h", Header: http.Header{}},
		{Method: "GET", RequestURI: "/a", Host: "h\r\nX-Injected: 1", Header: http.Header{}},
		{Method: "GET", RequestURI: "/a", Host: "h", Header: http.Header{"X-A": {"v\r\nX-Injected: 1"}}},
		{Method: "GET", RequestURI: "/a", Host: "h", Header: http.Header{"X-A\nX-Injected": {"1"}}},
		{Method: "GET", RequestURI: "/a", Host: "h", Header: http.Header{"X-A": {"v\x00"}}},
	} {
		var req fasthttp.Request
		if err := x.toFasthttp(r, &req); err == nil {
			t.Errorf("%q %q %v: accepted as\n%s", r.RequestURI, r.Host, r.Header, x.head)
		}
	}
	var req fasthttp.Request
	r := &http.Request{Method: "POST", RequestURI: "/a?b=1", Host: "h:1", ContentLength: 5,
		Header: http.Header{"Cookie": {"a=1; b=2"}, "X-Two": {"1", "2"}}, Body: io.NopCloser(strings.NewReader("hello"))}
	if err := x.toFasthttp(r, &req); err != nil {
		t.Fatal(err)
	}
	if string(req.Header.Host()) != "h:1" || req.Header.ContentLength() != 5 || len(req.Header.PeekAll("X-Two")) != 2 || string(req.Header.Cookie("b")) != "2" {
		t.Errorf("the head as fasthttp reads it:\n%s", req.Header.Header())
	}
}

// TestH2MemberDiesMidRequest: a member that resets the connection once it
// read a request's head: over HTTP/2 as over HTTP/1.1, an idempotent
// request whose body is kept goes to another member, a POST does not (it
// may have been acted on) and gets 502.
func TestH2MemberDiesMidRequest(t *testing.T) {
	dies := testutil.StartScripted(t, func(c *testutil.ScriptConn) {
		if _, _, err := c.Head(); err == nil {
			c.Reset()
		}
	})
	good := testutil.StartMember(t, "node2")
	e := startH2(t, strings.ReplaceAll(`
balancers:
  - name: c
    stickysession: JSESSIONID
    members:
      - {url: "DIES", route: node1}
      - {url: "{{m0}}", route: node2}
routes:
  - {path: /, balancer: c}
`, "DIES", dies.URL), good)
	cases := []struct {
		method string
		body   string
		want   int
		route  string
	}{
		{"GET", "", 200, "node2"},
		{"PUT", "kept for a retry", 200, "node2"},
		{"POST", "maybe acted on", 502, ""},
	}
	for _, cl := range append(e.clients(), struct {
		name   string
		c      *http.Client
		base   string
		scheme string
	}{"h1", e.h1, e.h2cURL, "http"}) {
		for _, c := range cases {
			t.Run(cl.name+"/"+c.method, func(t *testing.T) {
				// The member is put in error by each failure: bring it back.
				e.p.Snapshot().Balancers[0].members[0].st.clearError()
				var body io.Reader
				if c.body != "" {
					body = strings.NewReader(c.body)
				}
				// A session of its own: one that failed over stays moved.
				resp, b := do(t, cl.c, c.method, cl.base+"/x", body, "Cookie: JSESSIONID="+cl.name+c.method+".node1")
				if resp.StatusCode != c.want || resp.Header.Get("X-Route") != c.route {
					t.Fatalf("got %d from %q (%s), want %d from %q", resp.StatusCode, resp.Header.Get("X-Route"), b, c.want, c.route)
				}
			})
		}
	}
}
