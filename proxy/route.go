package proxy

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// The route: the request-target checked (checkTarget) and normalised
// (normalizeTarget), and the balancer that serves it (Snapshot.match).

// route is one entry of the route table.
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

// normalizeTarget returns the request-target that is routed and
// forwarded, appended to dst: the client's, with percent-encoded
// unreserved characters decoded (RFC 3986 §6.2.2.2: "/%73hop" is
// "/shop", so it takes the /shop route, as in httpd, which matches the
// decoded path) and every other percent-encoding kept, its hex digits
// upper-cased. Like httpd with AllowEncodedSlashes Off, an encoded "/" or
// "\" in the path is refused with 404, so a member never sees a path
// whose segments differ from what was routed. The query is kept as sent.
// checkTarget has already refused dot-segments, raw or encoded.
func normalizeTarget(t, dst []byte) ([]byte, int, string) {
	p := pathOf(t)
	i := 0
	for i < len(p) && p[i] != '%' {
		i++
	}
	dst = append(dst[:0], t[:i]...)
	if i == len(p) {
		return append(dst, t[i:]...), 0, ""
	}
	for ; i < len(p); i++ {
		c := p[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 >= len(p) || unhex(p[i+1]) < 0 || unhex(p[i+2]) < 0 {
			return dst, fasthttp.StatusBadRequest, "invalid percent-encoding in the path"
		}
		d := byte(unhex(p[i+1])<<4 | unhex(p[i+2]))
		switch {
		case d == '/' || d == '\\':
			return dst, fasthttp.StatusNotFound, "encoded slash in the path"
		case isUnreserved(d):
			dst = append(dst, d)
		default:
			dst = append(dst, '%', upperHex[d>>4], upperHex[d&15])
		}
		i += 2
	}
	return append(dst, t[len(p):]...), 0, ""
}

const upperHex = "0123456789ABCDEF"

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// isUnreserved is RFC 3986's unreserved set: ALPHA / DIGIT / "-" / "." /
// "_" / "~".
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
