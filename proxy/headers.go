package proxy

import (
	"bytes"
	"io"
	"net"
	"net/netip"

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

func isIdempotent(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	return h.IsGet() || h.IsHead() || h.IsOptions() || h.IsPut() || h.IsDelete() || h.IsTrace()
}

// bufferBody reads a request body up to limit into memory, so that it can
// be sent again on a retry and, for chunked bodies, so that broken chunk
// framing is refused before anything reaches a member. It reports whether
// the body can be replayed, or an error when the body is malformed.
func bufferBody(ctx *fasthttp.RequestCtx, rq *request, limit int64) (bool, error) {
	req := &ctx.Request
	if !req.IsBodyStream() {
		return true, nil
	}
	cl := req.Header.ContentLength()
	if cl >= 0 && int64(cl) > limit {
		return false, nil
	}
	if cl == -1 && limit <= 0 {
		return false, nil
	}
	// Read at most limit+1 bytes: a chunked body larger than the buffer
	// is streamed, and cannot be replayed.
	buf := rq.body[:0]
	stream := req.BodyStream()
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := stream.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			rq.body = buf
			req.SetBodyRaw(buf)
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
	// Too large to keep: send what was read, then the rest of the stream.
	rq.body = buf
	req.SetBodyStream(io.MultiReader(bytes.NewReader(buf), stream), cl)
	return false, nil
}

// prepareRequest strips hop-by-hop headers and adds X-Forwarded-*, once
// per request (attempts share it).
func prepareRequest(ctx *fasthttp.RequestCtx, rq *request) {
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

	// X-Forwarded-For: append the client address to what came before.
	buf := rq.buf[:0]
	if prior := h.Peek("X-Forwarded-For"); len(prior) > 0 {
		buf = append(buf, prior...)
		buf = append(buf, ", "...)
	}
	buf = appendIP(buf, ctx.RemoteIP())
	h.SetBytesV("X-Forwarded-For", buf)
	if host := h.Host(); len(host) > 0 {
		h.SetBytesV("X-Forwarded-Host", host)
	}
	if ctx.IsTLS() {
		h.Set("X-Forwarded-Proto", "https")
	} else {
		h.Set("X-Forwarded-Proto", "http")
	}
	rq.buf = buf[:0]
}

func appendIP(dst []byte, ip net.IP) []byte {
	if a, ok := netip.AddrFromSlice(ip); ok {
		return a.Unmap().AppendTo(dst)
	}
	return append(dst, "unknown"...)
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
