package proxy

import "github.com/valyala/fasthttp"

import "bytes"

// The route table: which balancer serves a request-target, and the
// target as each member receives it.

type route struct {
	path     string // without trailing slash ("" for "/")
	bal      *Balancer
	reverse  bool
	maxBody  int64
	original string
}

// match returns the route for a raw request path: the longest configured
// prefix that ends at a segment boundary ("/shop" matches "/shop",
// "/shop/x", "/shop;jsessionid=…" but not "/shopping").
func (s *Snapshot) match(path []byte) *route {
	for i := range s.routes {
		r := &s.routes[i]
		n := len(r.path)
		if len(path) < n || string(path[:n]) != r.path {
			continue
		}
		if len(path) == n || path[n] == '/' || path[n] == ';' || path[n] == '?' {
			return r
		}
	}
	return nil
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
