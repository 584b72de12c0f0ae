package proxy

import (
	"bytes"
	"net"
	"net/netip"

	"github.com/valyala/fasthttp"
)

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
