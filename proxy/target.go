package proxy

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// checkTarget refuses request-targets the balancer will not route: not in
// origin-form, or with dot-segments (raw or percent-encoded), which could
// let a path escape its route's prefix on the member. Browsers resolve dot
// segments before sending, so real clients never send them.
func checkTarget(t []byte) string {
	if len(t) == 0 || t[0] != '/' {
		return "request target must be an absolute path"
	}
	p := pathOf(t)
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		seg := p[i+1:]
		if j := bytes.IndexAny(seg, "/;"); j >= 0 {
			seg = seg[:j]
		}
		if isDotSegment(seg) {
			return "dot-segments are not allowed in the path"
		}
	}
	return ""
}

// isDotSegment reports "." or ".." written plainly or as %2e.
func isDotSegment(seg []byte) bool {
	dots := 0
	for i := 0; i < len(seg); {
		switch {
		case seg[i] == '.':
			i++
		case i+2 < len(seg) && seg[i] == '%' && seg[i+1] == '2' && (seg[i+2] == 'e' || seg[i+2] == 'E'):
			i += 3
		default:
			return false
		}
		dots++
		if dots > 2 {
			return false
		}
	}
	return dots == 1 || dots == 2
}

// pathOf returns the path part of a request-target (before '?').
func pathOf(t []byte) []byte {
	if i := bytes.IndexByte(t, '?'); i >= 0 {
		return t[:i]
	}
	return t
}

// setTarget writes the request-target for member m: the route's prefix is
// replaced by the member URL's path, as httpd's ProxyPass does (route /shop
// with member http://h/app sends /shop/cart to /app/cart).
func setTarget(req *fasthttp.Request, rt *route, m *Member, rq *request) {
	if rt.path == "" && m.path == "" {
		req.SetRequestURIBytes(rq.target)
		return
	}
	rest := rq.target[len(rt.path):]
	out := append(rq.buf[:0], m.path...)
	if len(out) == 0 && (len(rest) == 0 || rest[0] != '/') {
		out = append(out, '/')
	}
	out = append(out, rest...)
	rq.buf = out
	req.SetRequestURIBytes(out)
}
