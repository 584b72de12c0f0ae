package proxy

import (
	"bytes"
	"fmt"
	"runtime/debug"

	"github.com/valyala/fasthttp"
)

// recoverPanic is the last guard of the request path: a panic while
// serving one request becomes a 500 on a connection that is then closed,
// a log line with the stack and a count in Panics, never a dead process
// (net/http's server does the same; fasthttp's does not).
func (p *Proxy) recoverPanic(ctx *fasthttp.RequestCtx, rq *request) {
	v := recover()
	if v == nil {
		return
	}
	p.panics.Add(1)
	p.log.Error("panic while serving a request; answered 500 and closed the connection",
		"panic", fmt.Sprint(v), "method", string(ctx.Method()), "path", string(routePath(ctx.Request.Header.RequestURI())),
		"stack", string(debug.Stack()))
	ctx.Response.Reset()
	ctx.SetStatusCode(fasthttp.StatusInternalServerError)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetBodyString("500 Internal Server Error\n")
	ctx.SetConnectionClose()
	lingerOnClose(ctx.Conn())
	// rq is dropped rather than pooled: its state is unknown.
	_ = rq
}

// Panics returns how many requests ended in a recovered panic.
func (p *Proxy) Panics() int64 { return p.panics.Load() }

// routePath is the path without its query or path parameters (where a
// session id may be), for logs.
func routePath(t []byte) []byte {
	t = pathOf(t)
	if i := bytes.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}
