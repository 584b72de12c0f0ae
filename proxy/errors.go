package proxy

import (
	"errors"
	"strconv"

	"github.com/valyala/fasthttp"
)

var errFullErr = errors.New("member at its max concurrent requests")

// errorStatus maps a failed exchange to the client's status: timeouts 504,
// everything else 502, no member at all 503 (oxy's StdHandler mapping).
func errorStatus(x *exchangeError) (int, string) {
	if x == nil {
		return fasthttp.StatusServiceUnavailable, "no member available"
	}
	switch x.kind {
	case errTimeout, errTryTimeout:
		return fasthttp.StatusGatewayTimeout, "the member did not answer in time"
	case errFull:
		return fasthttp.StatusServiceUnavailable, "every member is at its limit of concurrent requests"
	case errDial:
		return fasthttp.StatusServiceUnavailable, "no member could be reached"
	}
	return fasthttp.StatusBadGateway, "the member's response was invalid or cut short"
}

// refuse answers the client from the balancer itself with a short plain
// text body; internal error text never reaches the client.
func (p *Proxy) refuse(ctx *fasthttp.RequestCtx, rq *request, status int, reason string) {
	rq.rec.Status, rq.rec.Reason = status, reason
	resp := &ctx.Response
	closeConn := resp.ConnectionClose() // Reset forgets it; a refusal must not
	resp.Reset()
	if closeConn {
		resp.SetConnectionClose()
	}
	resp.SetStatusCode(status)
	resp.Header.SetContentType("text/plain; charset=utf-8")
	resp.Header.Set("Cache-Control", "no-store")
	b := strconv.AppendInt(rq.buf[:0], int64(status), 10)
	b = append(b, ' ')
	b = append(b, fasthttp.StatusMessage(status)...)
	b = append(b, ": "...)
	b = append(b, reason...)
	b = append(b, '\n')
	rq.buf = b[:0]
	resp.SetBody(b)
}

func statusText(code int) string { return strconv.Itoa(code) }
