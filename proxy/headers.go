package proxy

import (
	"bytes"
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

// cleanResponse strips hop-by-hop headers from the member's response.
func cleanResponse(ctx *fasthttp.RequestCtx, rq *request) {
	h := &ctx.Response.Header
	removeConnectionTokens(h.Peek(fasthttp.HeaderConnection), rq, func(k []byte) { h.DelBytes(k) })
	for _, k := range hopHeaders {
		h.Del(k)
	}
	h.ResetConnectionClose()
	if !bytes.Equal(h.Protocol(), http11) {
		// An HTTP/1.0 member's answer goes on as the balancer's own
		// HTTP/1.1 one (RFC 9110 §2.5: an intermediary sends its own
		// version); its client would take "HTTP/1.0" for a connection
		// that closes after every answer.
		h.SetProtocol(http11)
	}
}

var http11 = []byte("HTTP/1.1")

// setForwarded sets X-Forwarded-For, -Host and -Proto for the member,
// each exactly once whatever the client sent (a second X-Forwarded-For
// left untouched is the address Tomcat's RemoteIpValve then trusts).
//
// X-Forwarded-For: the values of every X-Forwarded-For the client sent,
// in order, joined with ", ", then the client's address; with
// trustedproxies set, earlier values are kept only from a listed peer.
// X-Forwarded-Host and -Proto: what the balancer saw (the Host header,
// and whether the client connection is TLS), unless trustedproxies lists
// the peer and it sent exactly one value, which is then kept.
func setForwarded(ctx *fasthttp.RequestCtx, rq *request, e *edge) {
	h := &ctx.Request.Header
	peer := addrOf(ctx.RemoteIP())
	trusted := e.trustsPeer(peer)

	buf := rq.buf[:0]
	if trusted {
		for _, v := range h.PeekAll("X-Forwarded-For") {
			if v = bytes.Trim(v, " \t,"); len(v) > 0 {
				buf = append(buf, v...)
				buf = append(buf, ", "...)
			}
		}
	}
	if peer.IsValid() {
		buf = peer.AppendTo(buf)
	} else {
		buf = append(buf, "unknown"...)
	}
	h.Del("X-Forwarded-For")
	h.SetBytesV("X-Forwarded-For", buf)
	rq.buf = buf[:0]

	keep := trusted && len(e.trusted) > 0
	if !keep || len(h.PeekAll("X-Forwarded-Host")) != 1 {
		h.Del("X-Forwarded-Host")
		if host := h.Host(); len(host) > 0 {
			h.SetBytesV("X-Forwarded-Host", host)
		}
	}
	if !keep || len(h.PeekAll("X-Forwarded-Proto")) != 1 {
		h.Del("X-Forwarded-Proto")
		if ctx.IsTLS() {
			h.Set("X-Forwarded-Proto", "https")
		} else {
			h.Set("X-Forwarded-Proto", "http")
		}
	}
}

func addrOf(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}
