package proxy

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// Hop-by-hop headers (RFC 9110 §7.6.1), removed in both directions along
// with every header the Connection header names (CVE-2022-31813 is why
// X-Forwarded-* are set after this).
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Upgrade",
}

// HeaderRouteChanged tells a member that a sticky request could not go to
// its route's member; its value is the old route.
const HeaderRouteChanged = "X-Balancer-Route-Changed"

// prepareRequest strips hop-by-hop headers and sets X-Forwarded-*, once
// per request (attempts share it).
func prepareRequest(ctx *fasthttp.RequestCtx, rq *request, e *edge) {
	h := &ctx.Request.Header
	clientClose := h.ConnectionClose()
	removeConnectionTokens(h.Peek(fasthttp.HeaderConnection), rq, func(k []byte) { h.DelBytes(k) })
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.ResetConnectionClose()
	if clientClose {
		ctx.SetConnectionClose()
	}
	h.Del(HeaderRouteChanged)
	setForwarded(ctx, rq, e)
}

// removeConnectionTokens deletes each header named in a Connection value.
// The value is copied first: deleting headers may move the bytes it
// points into.
func removeConnectionTokens(v []byte, rq *request, del func([]byte)) {
	if len(v) == 0 {
		return
	}
	buf := append(rq.buf[:0], v...)
	rq.buf = buf[:0]
	for len(buf) > 0 {
		var tok []byte
		if i := bytes.IndexByte(buf, ','); i >= 0 {
			tok, buf = buf[:i], buf[i+1:]
		} else {
			tok, buf = buf, nil
		}
		tok = bytes.TrimSpace(tok)
		if len(tok) == 0 || bytes.EqualFold(tok, []byte("close")) || bytes.EqualFold(tok, []byte("keep-alive")) {
			continue
		}
		del(tok)
	}
}

// setRouteChanged tells the member when a sticky request was moved away
// from its route's member (DESIGN.md §4).
func setRouteChanged(req *fasthttp.Request, m *Member, rq *request) {
	if rq.from != "" && rq.from != m.Route {
		req.Header.Set(HeaderRouteChanged, rq.from)
	} else {
		req.Header.Del(HeaderRouteChanged)
	}
}

// cleanResponse strips hop-by-hop headers from the member's response.
func cleanResponse(ctx *fasthttp.RequestCtx, rq *request) {
	h := &ctx.Response.Header
	removeConnectionTokens(h.Peek(fasthttp.HeaderConnection), rq, func(k []byte) { h.DelBytes(k) })
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.ResetConnectionClose()
}
