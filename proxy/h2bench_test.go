package proxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/valyala/fasthttp/fasthttputil"
)

// BenchmarkForwardH2 is BenchmarkForwardSticky with the client speaking
// HTTP/2 (h2c, prior knowledge) over one connection: Go's HTTP/2 client
// and server are in the figures, so its allocations are theirs and the
// handover's, not the request path's (which BenchmarkForwardSticky holds
// at zero).
func BenchmarkForwardH2(b *testing.B) {
	p := inMemoryProxy(b, 3, "byrequests")
	front := fasthttputil.NewInmemoryListener()
	go p.ServeHTTP2(front, true)
	b.Cleanup(func() { _ = p.Shutdown(context.Background()); front.Close() })
	protos := new(http.Protocols)
	protos.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: protos,
		DialContext: func(context.Context, string, string) (net.Conn, error) { return front.Dial() }}}
	b.Cleanup(c.CloseIdleConnections)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", "http://balancer.test/app/page?x=1", nil)
		req.Header.Set("Cookie", "a=1; JSESSIONID=8f3a9c2e.node1; b=2")
		for pb.Next() {
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
