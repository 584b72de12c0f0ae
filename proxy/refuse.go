package proxy

import (
	"strconv"

	"github.com/valyala/fasthttp"
)

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
