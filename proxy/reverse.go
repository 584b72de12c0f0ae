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
	reverseCookiePaths(h, rt, m, rq)
}

// reverseCookiePaths rewrites the Path attribute of every Set-Cookie
// under the member's path to the route's (ProxyPassReverseCookiePath),
// on the header's own text: every other attribute (Max-Age=0 of a
// deletion, Expires, SameSite, …) and every other cookie, including
// several of one name, stay as the member sent them.
func reverseCookiePaths(h *fasthttp.ResponseHeader, rt *route, m *Member, rq *request) {
	changed := false
	for _, v := range h.Cookies() {
		if _, ok := rewriteCookiePath(nil, v, rt, m); ok {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	// Collect the rewritten values in one buffer, then set them anew.
	buf := rq.buf[:0]
	ends := rq.cookieEnds[:0]
	for _, v := range h.Cookies() {
		if out, ok := rewriteCookiePath(buf, v, rt, m); ok {
			buf = out
		} else {
			buf = append(buf, v...)
		}
		ends = append(ends, len(buf))
	}
	h.DelAllCookies()
	start := 0
	for _, end := range ends {
		h.AddBytesV(fasthttp.HeaderSetCookie, buf[start:end])
		start = end
	}
	rq.buf, rq.cookieEnds = buf[:0], ends[:0]
}

// rewriteCookiePath appends v to dst with its Path attribute mapped from
// the member's path to the route's; ok is false when v has no Path
// under the member's path.
func rewriteCookiePath(dst, v []byte, rt *route, m *Member) ([]byte, bool) {
	// Attributes follow the first ';' (RFC 6265 §4.1.1).
	i := bytes.IndexByte(v, ';')
	for i >= 0 {
		attr := v[i+1:]
		next := bytes.IndexByte(attr, ';')
		if next >= 0 {
			attr = attr[:next]
		}
		eq := bytes.IndexByte(attr, '=')
		if eq >= 0 && bytes.EqualFold(bytes.TrimSpace(attr[:eq]), []byte("path")) {
			vs, ve := eq+1, len(attr)
			for vs < ve && (attr[vs] == ' ' || attr[vs] == '\t') {
				vs++
			}
			for ve > vs && (attr[ve-1] == ' ' || attr[ve-1] == '\t') {
				ve--
			}
			rest, ok := cutPrefixPath(attr[vs:ve], m.path)
			if !ok {
				return dst, false
			}
			off := i + 1 // where attr starts in v
			dst = append(dst, v[:off+vs]...)
			n := len(dst)
			dst = append(dst, rt.path...)
			dst = append(dst, rest...)
			if len(dst) == n {
				dst = append(dst, '/')
			}
			return append(dst, v[off+ve:]...), true
		}
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return dst, false
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
