package proxy

import (
	"bytes"
	"time"

	"github.com/valyala/fasthttp"
)

// continue100 is the one expectation HTTP defines (RFC 9110 §10.1.1).
var continue100 = []byte("100-continue")

// settleExpectation makes a request's Expect what fasthttp's server acts
// on the way httpd and nginx would, before it acts: the server answers
// "100 Continue" before the handler runs when, and only when, the field's
// value is exactly "100-continue".
//
//   - The expectation is case-insensitive: "100-Continue" is made
//     "100-continue", or its client would wait for a 100 that never
//     comes (curl one second, others until their own timeout).
//   - An HTTP/1.0 request's expectation is dropped: a server must ignore
//     it and must not send a 1xx to an HTTP/1.0 client (§10.1.1,
//     §15.2), which would read it as the final answer.
//
// Any other expectation is left for checkHeaders to refuse (417).
func settleExpectation(h *fasthttp.RequestHeader) {
	v := h.Peek(fasthttp.HeaderExpect)
	if v == nil || !bytes.EqualFold(bytes.Trim(v, " \t"), continue100) {
		return
	}
	switch {
	case !h.IsHTTP11():
		h.Del(fasthttp.HeaderExpect)
	case !bytes.Equal(v, continue100):
		h.Set(fasthttp.HeaderExpect, "100-continue")
	}
}

// expect runs once fasthttp has a head carrying "Expect: 100-continue",
// before it sends "100 Continue". A request refused on its head alone
// (admit: the head, the target, no route, a Content-Length over the
// route's body limit) gets its refusal now, so that its client never
// sends the body: nginx answers an oversized Content-Length so, and httpd
// sends no 100 before something reads the body. fasthttp then writes that
// answer, closes the connection and never calls the handler, so the
// refusal is counted and recorded here as handle does. Anything else is a
// 100 (the member is chosen once the body may come).
func (p *Proxy) expect(ctx *fasthttp.RequestCtx) (answer int) {
	rq := getRequest()
	defer func() {
		if v := recover(); v != nil {
			p.panicked(ctx, v)
			answer = fasthttp.StatusInternalServerError
		}
	}()
	rq.rec.Start = time.Now()
	_, status, reason := admit(ctx, p.snap.Load(), p.edge.Load(), rq)
	if status == 0 {
		putRequest(rq)
		return fasthttp.StatusContinue
	}
	p.countProtocol(ctx, rq)
	p.refuse(ctx, rq, status, reason)
	ctx.SetConnectionClose()
	lingerOnClose(ctx.Conn())
	p.record(ctx, rq)
	return status
}
