package proxy

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/valyala/fasthttp"
)

// handle is the request's life: route table, affinity, member choice,
// forward with retries, response rewrite, counters.
func (p *Proxy) handle(ctx *fasthttp.RequestCtx) {
	rq := getRequest()
	defer p.recoverPanic(ctx, rq)
	rq.rec.Start = time.Now()
	p.countProtocol(ctx, rq)
	snap := p.snap.Load()
	p.serve(ctx, snap, p.edge.Load(), rq)
	p.finishBody(ctx, rq)
	p.record(ctx, rq)
}

// countProtocol counts the request by protocol and tells its Record.
func (p *Proxy) countProtocol(ctx *fasthttp.RequestCtx, rq *request) {
	switch c, ok := ctx.Conn().(canceller); {
	case ok:
		rq.cancel = c
		rq.rec.Protocol = ProtoHTTP2
		p.protocols[2].Add(1)
	case ctx.Request.Header.IsHTTP11():
		rq.rec.Protocol = ProtoHTTP11
		p.protocols[1].Add(1)
	default:
		rq.rec.Protocol = ProtoHTTP10
		p.protocols[0].Add(1)
	}
}

// record ends the request: its duration in the member's or balancer's
// histogram, the observers told, rq back to its pool.
func (p *Proxy) record(ctx *fasthttp.RequestCtx, rq *request) {
	d := time.Since(rq.rec.Start)
	if m := rq.rec.Member; m != nil {
		m.st.reqs.observe(rq.rec.Status, d)
	} else if b := rq.rec.Balancer; b != nil {
		b.st.refused.observe(rq.rec.Status, d)
	}
	if p.observer != nil {
		p.observer.Done(ctx, &rq.rec)
	}
	putRequest(rq)
}

func (p *Proxy) serve(ctx *fasthttp.RequestCtx, snap *Snapshot, e *edge, rq *request) {
	rt, status, reason := admit(ctx, snap, e, rq)
	if rt != nil {
		// The body is read, or drained after a refusal, within the
		// route's limit.
		rq.in.reset(ctx, e.bodyLimit(rt), e)
	}
	if status != 0 {
		p.refuse(ctx, rq, status, reason)
		return
	}
	target := rq.target
	b := rt.bal
	if p.maxForwards(ctx, rq) {
		return
	}
	m := b.pick(ctx, target, rq)
	if m == nil {
		p.refuse(ctx, rq, rq.rec.Status, rq.rec.Reason)
		return
	}
	rq.noHost = len(ctx.Request.Header.Host()) == 0
	if isUpgrade(ctx) {
		p.tunnel(ctx, rt, b, m, rq, e)
		return
	}
	rq.idempotent = isIdempotent(ctx)
	if err := bufferBody(rq, b.retryBuf); err != nil {
		status, reason := bodyStatus(err)
		p.refuse(ctx, rq, status, reason)
		return
	}
	rq.replayable = rq.out.whole
	prepareRequest(ctx, rq, e)
	p.forward(ctx, rt, b, m, rq)
}

// admit checks what the head alone settles: the head (checkRequest: a
// refusal there also closes the connection), the target (normalised into
// rq.target), the route (its balancer then in rq's Record) and a
// Content-Length over the route's body limit. It returns the route (once
// matched, also with that last refusal) and the status and reason of a
// refusal, if any.
func admit(ctx *fasthttp.RequestCtx, snap *Snapshot, e *edge, rq *request) (*route, int, string) {
	if status, reason := checkRequest(ctx); status != 0 {
		ctx.SetConnectionClose()
		return nil, status, reason
	}
	raw := ctx.Request.Header.RequestURI()
	if reason := checkTarget(raw); reason != "" {
		return nil, fasthttp.StatusBadRequest, reason
	}
	target, status, reason := normalizeTarget(raw, rq.target)
	rq.target = target
	if status != 0 {
		return nil, status, reason
	}
	rt := snap.match(pathOf(target))
	if rt == nil {
		return nil, fasthttp.StatusNotFound, "no route for this path"
	}
	rq.rec.Balancer = rt.bal
	if limit := e.bodyLimit(rt); limit > 0 && int64(ctx.Request.Header.ContentLength()) > limit {
		return rt, fasthttp.StatusRequestEntityTooLarge, "request body too large"
	}
	return rt, 0, ""
}

// recoverPanic is the last guard of the request path: a panic while
// serving one request becomes a 500 on a connection that is then closed,
// a log line with the stack and a count in Panics, never a dead process
// (net/http's server does the same; fasthttp's does not).
func (p *Proxy) recoverPanic(ctx *fasthttp.RequestCtx, rq *request) {
	v := recover()
	if v == nil {
		return
	}
	p.panicked(ctx, v)
	// rq is dropped rather than pooled: its state is unknown.
	_ = rq
}

// panicked answers 500 for a request whose serving panicked with v, on
// a connection then closed, and logs it with the stack.
func (p *Proxy) panicked(ctx *fasthttp.RequestCtx, v any) {
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
