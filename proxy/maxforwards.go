package proxy

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"
)

// maxForwards applies Max-Forwards to OPTIONS and TRACE (RFC 9110
// §7.6.2), as httpd's mod_proxy does, and reports whether the balancer
// answered the request itself:
//
//   - 0 makes the balancer the final recipient. It answers OPTIONS (200,
//     the methods it forwards in Allow) and refuses TRACE (405): it echoes
//     no request, since the cookies and credentials an echo reflects are
//     what cross-site tracing steals.
//   - a larger value goes on to the member one less;
//   - a value that is not a number is a 400.
//
// Other methods' Max-Forwards goes on untouched: the RFC lets a recipient
// ignore it (httpd refuses a 0 as a loop).
func (p *Proxy) maxForwards(ctx *fasthttp.RequestCtx, rq *request) bool {
	h := &ctx.Request.Header
	if !h.IsOptions() && !h.IsTrace() {
		return false
	}
	v := h.Peek(fasthttp.HeaderMaxForwards)
	if v == nil {
		return false
	}
	v = bytes.Trim(v, " \t")
	if !allDigits(v) {
		p.refuse(ctx, rq, fasthttp.StatusBadRequest, "invalid Max-Forwards")
		return true
	}
	var n uint64
	for _, c := range v {
		n = n*10 + uint64(c-'0')
	}
	switch {
	case n > 0:
		rq.buf = strconv.AppendUint(rq.buf[:0], n-1, 10)
		h.SetBytesV(fasthttp.HeaderMaxForwards, rq.buf)
		return false
	case h.IsTrace():
		p.refuse(ctx, rq, fasthttp.StatusMethodNotAllowed, "Max-Forwards reached zero: the balancer does not echo TRACE")
	default:
		rq.rec.Status, rq.rec.Reason = fasthttp.StatusOK, "Max-Forwards reached zero: answered by the balancer"
		resp := &ctx.Response
		resp.Reset()
		resp.SetStatusCode(fasthttp.StatusOK)
		resp.Header.SetContentLength(0)
	}
	ctx.Response.Header.Set(fasthttp.HeaderAllow, allowed)
	return true
}

// allowed lists the methods the balancer forwards, for Allow.
var allowed = func() string {
	ms := make([]string, 0, len(knownMethods))
	for m := range knownMethods {
		ms = append(ms, m)
	}
	slices.Sort(ms)
	return strings.Join(ms, ", ")
}()
