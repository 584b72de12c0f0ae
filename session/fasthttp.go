package session

import (
	"bytes"
	"context"
	"strings"

	"github.com/valyala/fasthttp"
)

// fastKey is the fasthttp user value key of the request's session.
const fastKey = "balancer/session"

// FromFastHTTP returns the request's session, set by FastHTTP; nil
// outside it.
func FromFastHTTP(ctx *fasthttp.RequestCtx) *Session {
	s, _ := ctx.UserValue(fastKey).(*Session)
	return s
}

// FastHTTP is Middleware for fasthttp handlers. fasthttp sends the response
// after the handler returns, so the session is saved and its cookie set
// then.
func (m *Manager) FastHTTP(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		// fasthttp forbids keeping ctx after the handler returns, and the
		// save must not depend on the client: a context of our own.
		bg := context.Background()
		s := m.begin(bg, m.requestIDFast(ctx))
		defer m.release(s)
		ctx.SetUserValue(fastKey, s)
		next(ctx)
		ctx.RemoveUserValue(fastKey)
		m.flush(bg, s, false)
		secure := ctx.IsTLS() || strings.EqualFold(string(ctx.Request.Header.Peek("X-Forwarded-Proto")), "https")
		if c := m.cookie(s, secure); c != nil {
			ctx.Response.Header.Add("Set-Cookie", c.String())
		}
	}
}

// requestIDFast is requestID for fasthttp: the path parameter (removed from
// the path the handler sees), then the cookie.
func (m *Manager) requestIDFast(ctx *fasthttp.RequestCtx) string {
	param := ";" + strings.ToLower(m.cfg.CookieName) + "="
	path := ctx.URI().Path()
	if bytes.Contains(path, []byte(param)) {
		id, rest, _ := cutPathParam(string(path), param)
		ctx.URI().SetPath(rest)
		return id
	}
	return string(ctx.Request.Header.Cookie(m.cfg.CookieName))
}
