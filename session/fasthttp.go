package session

import (
	"bytes"
	"context"

	"github.com/valyala/fasthttp"
)

type fastKey struct{}

// FromFastHTTP returns the request's session (set by FastHTTP).
func FromFastHTTP(ctx *fasthttp.RequestCtx) *Session {
	s, _ := ctx.UserValue(fastKey{}).(*Session)
	return s
}

// FastHTTP is the middleware for fasthttp handlers. fasthttp buffers the
// response, so the session is saved after the handler and before the
// response is written.
func (m *Manager) FastHTTP(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		s := m.begin(context.Background(), m.requestIDFast(ctx))
		ctx.SetUserValue(fastKey{}, s)
		next(ctx)
		m.end(context.Background(), s)
		secure := ctx.IsTLS() || string(ctx.Request.Header.Peek("X-Forwarded-Proto")) == "https"
		if c := m.cookie(s, secure); c != nil {
			ctx.Response.Header.Add("Set-Cookie", c.String())
		}
	}
}

// requestIDFast is requestID for fasthttp: the path parameter, then the
// cookie.
func (m *Manager) requestIDFast(ctx *fasthttp.RequestCtx) string {
	uri := ctx.Request.Header.RequestURI()
	if q := bytes.IndexByte(uri, '?'); q >= 0 {
		uri = uri[:q]
	}
	param := []byte(";" + lower(m.cfg.CookieName) + "=")
	if i := bytes.Index(uri, param); i >= 0 {
		v := uri[i+len(param):]
		if j := bytes.IndexAny(v, "/;"); j >= 0 {
			v = v[:j]
		}
		return string(v)
	}
	return string(ctx.Request.Header.Cookie(m.cfg.CookieName))
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }
