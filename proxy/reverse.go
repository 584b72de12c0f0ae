package proxy

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// reverseHeaders are rewritten like httpd's ProxyPassReverse does.
var reverseHeaders = []string{"Location", "Content-Location", "URI"}

// reverseRewrite maps the member's URLs in response headers and cookie
// paths back to the route the client used (ProxyPassReverse and
// ProxyPassReverseCookiePath).
func reverseRewrite(ctx *fasthttp.RequestCtx, rt *route, m *Member, rq *request) {
	h := &ctx.Response.Header
	for _, name := range reverseHeaders {
		v := h.Peek(name)
		if len(v) == 0 {
			continue
		}
		if out, ok := reverseURL(ctx, rt, m, v, rq.buf[:0]); ok {
			rq.buf = out[:0]
			h.SetBytesV(name, out)
		}
	}
	if m.path == rt.path {
		return
	}
	c := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(c)
	for _, v := range h.PeekAll(fasthttp.HeaderSetCookie) {
		if err := c.ParseBytes(v); err != nil {
			continue
		}
		p := c.Path()
		if rest, ok := cutPrefixPath(p, m.path); ok {
			out := append(rq.buf[:0], rt.path...)
			out = append(out, rest...)
			if len(out) == 0 {
				out = append(out, '/')
			}
			rq.buf = out[:0]
			c.SetPathBytes(out)
			h.SetCookie(c)
		}
	}
}

// reverseURL rewrites an absolute URL pointing into the member, or a path
// under the member's path, to the front end's URL under the route.
func reverseURL(ctx *fasthttp.RequestCtx, rt *route, m *Member, v, out []byte) ([]byte, bool) {
	rest := v
	absolute := false
	for _, scheme := range [...]string{"http://", "https://"} {
		if bytes.HasPrefix(v, []byte(scheme)) && bytes.HasPrefix(v[len(scheme):], []byte(m.host)) {
			after := v[len(scheme)+len(m.host):]
			if len(after) == 0 || after[0] == '/' || after[0] == '?' {
				rest, absolute = after, true
			}
		}
	}
	if !absolute && (len(v) == 0 || v[0] != '/') {
		return nil, false
	}
	r, ok := cutPrefixPath(rest, m.path)
	if !ok {
		return nil, false
	}
	if absolute {
		if ctx.IsTLS() {
			out = append(out, "https://"...)
		} else {
			out = append(out, "http://"...)
		}
		out = append(out, ctx.Request.Header.Host()...)
	}
	out = append(out, rt.path...)
	if len(r) == 0 || r[0] != '/' {
		if len(rt.path) == 0 {
			out = append(out, '/')
		}
	}
	out = append(out, r...)
	return out, true
}

// cutPrefixPath removes prefix from p at a path-segment boundary.
func cutPrefixPath(p []byte, prefix string) ([]byte, bool) {
	if !bytes.HasPrefix(p, []byte(prefix)) {
		return nil, false
	}
	r := p[len(prefix):]
	if len(r) == 0 || r[0] == '/' || r[0] == '?' || r[0] == ';' || r[0] == '#' {
		return r, true
	}
	return nil, false
}
