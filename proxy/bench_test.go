package proxy

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"balancer/config"
)

// inMemoryBalancer runs n fasthttp members and the balancer on in-memory
// listeners and returns a client connected to the balancer.
func inMemoryBalancer(tb testing.TB, n int, lbmethod string) *fasthttp.HostClient {
	tb.Helper()
	p := inMemoryProxy(tb, n, lbmethod)
	front := fasthttputil.NewInmemoryListener()
	go p.Serve(front)
	tb.Cleanup(func() { p.servers.Shutdown(context.Background()); front.Close() })
	return &fasthttp.HostClient{Addr: "balancer.test", Dial: func(string) (net.Conn, error) { return front.Dial() }, MaxConns: 1024}
}

// inMemoryProxy is a balancer in front of n in-memory fasthttp members.
func inMemoryProxy(tb testing.TB, n int, lbmethod string) *Proxy {
	tb.Helper()
	y := "balancers:\n  - name: c\n    lbmethod: " + lbmethod + "\n    stickysession: JSESSIONID|jsessionid\n    members:\n"
	lns := map[string]*fasthttputil.InmemoryListener{}
	for i := 0; i < n; i++ {
		ln := fasthttputil.NewInmemoryListener()
		srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.Response.Header.Set("X-Route", "m")
			ctx.SetBodyString("hello from a member\n")
		}}
		go srv.Serve(ln)
		tb.Cleanup(func() { ln.Close() })
		host := fmt.Sprintf("member%d.test:80", i)
		lns[host] = ln
		y += fmt.Sprintf("      - url: http://%s\n        route: node%d\n", host, i)
	}
	y += "routes:\n  - path: /\n    balancer: c\n"
	cfg, err := config.Parse("bench.yaml", []byte(y))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := New(cfg, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, st := range p.states.members {
		ln := lns[st.hc.Load().Addr]
		st.hc.Load().Dial = func(string) (net.Conn, error) { return ln.Dial() }
	}
	return p
}

func benchForward(b *testing.B, cookie string) {
	c := inMemoryBalancer(b, 3, "byrequests")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI("http://balancer.test/app/page?x=1")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		for pb.Next() {
			if err := c.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Fatalf("%v %d", err, resp.StatusCode())
			}
		}
	})
}

// BenchmarkForwardSticky is the whole request path through in-memory
// listeners: client → balancer (route table, affinity, sticky member,
// forward, response) → member and back.
func BenchmarkForwardSticky(b *testing.B) { benchForward(b, "a=1; JSESSIONID=8f3a9c2e.node1; b=2") }

// BenchmarkForwardNoCookie is the same with the lbmethod choosing.
func BenchmarkForwardNoCookie(b *testing.B) { benchForward(b, "") }

// TestForwardDoesNotAllocate holds the request path to zero allocations
// per request in steady state, client and member included.
func TestForwardDoesNotAllocate(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts are meaningless under -race")
	}
	c := inMemoryBalancer(t, 3, "byrequests")
	for _, tc := range []struct {
		cookie string
		body   int // a POST body of this size; 0: GET
	}{
		{"JSESSIONID=8f3a9c2e.node1", 0}, {"", 0},
		{"JSESSIONID=8f3a9c2e.node1", 2 << 10}, // buffered for retries
		{"", 64 << 10},
	} {
		cookie := tc.cookie
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI("http://balancer.test/app/page?x=1")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if tc.body > 0 {
			req.Header.SetMethod("POST")
			req.SetBody(make([]byte, tc.body))
		}
		do := func() {
			if err := c.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				t.Fatalf("%v %d %s", err, resp.StatusCode(), resp.Body())
			}
		}
		for i := 0; i < 100; i++ {
			do()
		}
		if n := testing.AllocsPerRun(1000, do); n > 0 {
			t.Errorf("cookie %q, body %d: %.2f allocations per request, want 0", cookie, tc.body, n)
		}
	}
}

// BenchmarkChoose measures an lbmethod's choice through the runtime's
// member views at several sizes. Each choice is followed by what its
// request does to the counters bytraffic and bybusyness read: one request
// in flight while 300 bytes go to the member and 1,200 come back.
func BenchmarkChoose(b *testing.B) {
	for _, method := range []string{"byrequests", "bytraffic", "bybusyness"} {
		for _, n := range []int{3, 100, 10000} {
			b.Run(fmt.Sprintf("%s/%d", method, n), func(b *testing.B) {
				y := "balancers:\n  - name: c\n    lbmethod: " + method + "\n    members:\n"
				for i := 0; i < n; i++ {
					y += fmt.Sprintf("      - url: http://10.0.%d.%d:80\n        loadfactor: %d\n", i/250, i%250, i%5+1)
				}
				y += "routes:\n  - path: /\n    balancer: c\n"
				cfg, err := config.Parse("b.yaml", []byte(y))
				if err != nil {
					b.Fatal(err)
				}
				p, err := New(cfg, Options{})
				if err != nil {
					b.Fatal(err)
				}
				bal := p.Snapshot().Balancer("c")
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					m := bal.choose(nil)
					if m == nil {
						b.Fatal("no member")
					}
					sc := &m.st.sched
					sc.Busy.Add(1)
					sc.Transferred.Add(300)
					sc.Read.Add(1200)
					sc.Busy.Add(-1)
				}
			})
		}
	}
}
