// Package affinity finds a request's session and its route, with httpd
// mod_proxy_balancer's semantics (and two fixes), and keeps the tables of
// sessions whose member is known otherwise (moved after a failover, or
// learned from a member's Set-Cookie).
//
// The exact rule, given stickysession "COOKIE|PARAM" (or "NAME" for both):
//
//  1. The URL is looked at first. A path parameter ";PARAM=VALUE" in any
//     path segment, then a query parameter "PARAM=VALUE" (after '?' or
//     '&'). The name must match whole and case-sensitively: "xjsessionid="
//     is not "jsessionid=" (httpd matches any substring). The value ends at
//     the first '?', '&', '#' or '/' ('/' and ';' too for path parameters
//     only when scolonpathdelim is set for ';'). The query form works,
//     unlike httpd 2.4.62 and later.
//  2. Else the Cookie header(s), in order: the first cookie named COOKIE,
//     at the start of the header or after ';', ',' or whitespace, then
//     optional spaces, '=', and a non-empty value up to ';' or ',' with
//     surrounding whitespace trimmed. A value in double quotes is unquoted.
//     When the name repeats, the first wins; an empty value is skipped and
//     the search goes on.
//  3. The route is what follows the FIRST separator (stickysessionsep,
//     default '.'): "node0abc.node1" → "node1", "id.node1.dc" → "node1.dc".
//     No separator, or nothing after it, means no route. With the
//     separator "off", the whole value is the route.
//  4. The route selects the member whose route equals it exactly
//     (case-sensitive).
package affinity

import (
	"bytes"
	"fmt"
	"strings"
)

// Spec is a parsed stickysession setting. The zero Spec finds nothing.
type Spec struct {
	cookie, param []byte
	cookieName    string
	sep           byte
	sepOff        bool
	scolon        bool
}

// NewSpec parses stickysession ("COOKIE" or "COOKIE|PARAM"), the separator
// (one character, or "off") and scolonpathdelim.
func NewSpec(stickysession, sep string, scolonPathDelim bool) (Spec, error) {
	var s Spec
	cookie, param, found := strings.Cut(stickysession, "|")
	if !found {
		param = cookie
	}
	if cookie == "" || param == "" || strings.ContainsAny(stickysession, " \t;,=\"") || strings.Count(stickysession, "|") > 1 {
		return s, fmt.Errorf("invalid stickysession %q (want COOKIE or COOKIE|PARAM)", stickysession)
	}
	s.cookie, s.param, s.cookieName = []byte(cookie), []byte(param), cookie
	switch {
	case sep == "":
		s.sep = '.'
	case strings.EqualFold(sep, "off"):
		s.sepOff = true
	case len(sep) == 1:
		s.sep = sep[0]
	default:
		return s, fmt.Errorf("invalid stickysessionsep %q (want one character or off)", sep)
	}
	s.scolon = scolonPathDelim
	return s, nil
}

// Cookie returns the cookie name.
func (s *Spec) Cookie() string { return s.cookieName }

// Separator returns the separator as a string ("" when off).
func (s *Spec) Separator() string {
	if s.sepOff {
		return ""
	}
	return string(rune(s.sep))
}

// FromURL finds the session value in a request-target (path and query).
func (s *Spec) FromURL(target []byte) ([]byte, bool) {
	if len(s.param) == 0 {
		return nil, false
	}
	path, query := target, []byte(nil)
	if i := bytes.IndexByte(target, '?'); i >= 0 {
		path, query = target[:i], target[i+1:]
	}
	if i := bytes.IndexByte(query, '#'); i >= 0 {
		query = query[:i]
	}
	// Path parameters: ";PARAM=VALUE".
	for p := path; ; {
		i := bytes.IndexByte(p, ';')
		if i < 0 {
			break
		}
		p = p[i+1:]
		if v, ok := s.paramValue(p, true); ok {
			return v, true
		}
	}
	// Query parameters: "PARAM=VALUE" after '?' or '&'.
	for q := query; len(q) > 0; {
		if v, ok := s.paramValue(q, false); ok {
			return v, true
		}
		i := bytes.IndexByte(q, '&')
		if i < 0 {
			break
		}
		q = q[i+1:]
	}
	return nil, false
}

// paramValue matches "PARAM=VALUE" at the start of p.
func (s *Spec) paramValue(p []byte, inPath bool) ([]byte, bool) {
	if !bytes.HasPrefix(p, s.param) || len(p) <= len(s.param) || p[len(s.param)] != '=' {
		return nil, false
	}
	v := p[len(s.param)+1:]
	end := len(v)
	for i, c := range v {
		if c == '?' || c == '&' || c == '#' || (inPath && c == '/') || (s.scolon && c == ';') {
			end = i
			break
		}
	}
	v = v[:end]
	return v, len(v) > 0
}

// FromCookie finds the session value in one Cookie header value.
func (s *Spec) FromCookie(h []byte) ([]byte, bool) {
	n := len(s.cookie)
	if n == 0 {
		return nil, false
	}
	for i := 0; i+n <= len(h); i++ {
		if i > 0 {
			c := h[i-1]
			if c != ';' && c != ',' && c != ' ' && c != '\t' {
				continue
			}
		}
		if !bytes.Equal(h[i:i+n], s.cookie) {
			continue
		}
		j := i + n
		for j < len(h) && (h[j] == ' ' || h[j] == '\t') {
			j++
		}
		if j >= len(h) || h[j] != '=' {
			continue
		}
		v := h[j+1:]
		if k := bytes.IndexAny(v, ";,"); k >= 0 {
			v = v[:k]
		}
		v = bytes.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		if len(v) > 0 {
			return v, true
		}
	}
	return nil, false
}

// Route returns the route part of a session value, or nil.
func (s *Spec) Route(v []byte) []byte {
	if s.sepOff {
		if len(v) == 0 {
			return nil
		}
		return v
	}
	i := bytes.IndexByte(v, s.sep)
	if i < 0 || i == len(v)-1 {
		return nil
	}
	return v[i+1:]
}

// SessionID returns the part of a session value before the separator (the
// whole value without separator, or with the separator off).
func (s *Spec) SessionID(v []byte) []byte {
	if s.sepOff {
		return v
	}
	if i := bytes.IndexByte(v, s.sep); i >= 0 {
		return v[:i]
	}
	return v
}

// FromSetCookie reads a member's Set-Cookie value for the session cookie
// (fasthttp hands it over without the name): the value, and whether the
// cookie is being deleted (Max-Age ≤ 0, or an Expires in 1970).
func (s *Spec) FromSetCookie(v []byte) (value []byte, deleted, ok bool) {
	attrs := []byte(nil)
	if i := bytes.IndexByte(v, ';'); i >= 0 {
		v, attrs = v[:i], v[i+1:]
	}
	if j := bytes.IndexByte(v, '='); j >= 0 && bytes.Equal(bytes.TrimSpace(v[:j]), s.cookie) {
		v = v[j+1:]
	}
	v = bytes.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	for len(attrs) > 0 {
		a := attrs
		if i := bytes.IndexByte(attrs, ';'); i >= 0 {
			a, attrs = attrs[:i], attrs[i+1:]
		} else {
			attrs = nil
		}
		a = bytes.TrimSpace(a)
		switch {
		case len(a) > 8 && bytes.EqualFold(a[:8], []byte("max-age=")):
			if a[8] == '-' || bytes.Equal(a[8:], []byte("0")) {
				deleted = true
			}
		case len(a) > 8 && bytes.EqualFold(a[:8], []byte("expires=")):
			if bytes.Contains(a, []byte("1970")) {
				deleted = true
			}
		}
	}
	return v, deleted, len(v) > 0 || deleted
}
