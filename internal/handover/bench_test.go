package handover

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkNewConnection: one request per new connection, served by a
// fasthttp.Server directly and through Servers, to measure the hand-over
// of each accepted connection.
func BenchmarkNewConnection(b *testing.B) {
	for _, via := range []string{"direct", "handover"} {
		b.Run(via, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") }}
			if via == "direct" {
				go srv.Serve(ln)
				defer srv.Shutdown()
			} else {
				var s Servers
				s.Swap(srv)
				go s.Serve(ln)
				defer s.Shutdown(context.Background())
			}
			addr := ln.Addr().String()
			b.ResetTimer()
			for range b.N {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				c.Close()
			}
		})
	}
}
