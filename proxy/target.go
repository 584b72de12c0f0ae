package proxy

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// checkTarget refuses request-targets the balancer will not route: not in
// origin-form, or with dot-segments (raw or percent-encoded, and with
// encoded slashes taken as slashes), which could let a path escape its
// route's prefix on the member. Browsers resolve dot segments before
// sending, so real clients never send them.
func checkTarget(t []byte) string {
	if len(t) == 0 || t[0] != '/' {
		return "request target must be an absolute path"
	}
	p := pathOf(t)
	for start := 0; start < len(p); {
		end := start
		for end < len(p) && p[end] != '/' && p[end] != ';' && !isEncodedSlash(p[end:]) {
			end++
		}
		if isDotSegment(p[start:end]) {
			return "dot-segments are not allowed in the path"
		}
		switch {
		case end == len(p):
			start = end
		case p[end] == ';': // path parameters run to the next slash
			for end < len(p) && p[end] != '/' {
				end++
			}
			start = end + 1
		case p[end] == '%':
			start = end + 3
		default:
			start = end + 1
		}
	}
	return ""
}

// isEncodedSlash reports a %2F or %5C at the start of b.
func isEncodedSlash(b []byte) bool {
	return len(b) >= 3 && b[0] == '%' &&
		((b[1] == '2' && (b[2] == 'f' || b[2] == 'F')) || (b[1] == '5' && (b[2] == 'c' || b[2] == 'C')))
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
