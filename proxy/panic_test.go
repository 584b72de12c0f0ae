package proxy

import (
	"context"
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	"balancer/config"
	"balancer/internal/testutil"
)

// panicky panics while finishing requests to /boom, as a bug anywhere in
// the request path would.
type panicky struct{}

func (panicky) Done(ctx *fasthttp.RequestCtx, _ *Record) {
	if string(ctx.Path()) == "/boom" {
		panic("a bug in the request path")
	}
}

// TestPanicBecomes500: a panic while serving one request answers it with
// 500 on a closed connection and is counted; the process and every other
// request go on.
func TestPanicBecomes500(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	cfg, err := config.Parse("test.yaml", []byte(`
listen: "127.0.0.1:0"
balancers:
  - name: c
    members: [{url: "`+m.URL+`"}]
routes: [{path: /, balancer: c}]
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(cfg, Options{Observer: panicky{}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	t.Cleanup(func() { _ = p.servers.Shutdown(context.Background()) })
	base := "http://" + ln.Addr().String()

	for i := 1; i <= 3; i++ {
		resp := rawRequest(t, base, "GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp.StatusCode != 500 || !resp.Close {
			t.Fatalf("status %d, close %v; want 500 on a closed connection", resp.StatusCode, resp.Close)
		}
		if got := p.Panics(); got != int64(i) {
			t.Fatalf("Panics() = %d, want %d", got, i)
		}
		if resp := rawRequest(t, base, "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n"); resp.StatusCode != 200 {
			t.Fatalf("after a panic, another request got %d", resp.StatusCode)
		}
	}
}
