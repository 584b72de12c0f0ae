package affinity

import "bytes"

// FromURL finds the session value in a raw request-target (a path with an
// optional "?query", as received): the first ";PARAM=VALUE" path
// parameter, else the first "PARAM=VALUE" query parameter, with a
// non-empty value (rules 1 and 2 of the package documentation). The value
// is a sub-slice of target.
func (s *Spec) FromURL(target []byte) (value []byte, ok bool) {
	if len(s.param) == 0 {
		return nil, false
	}
	path, query := target, []byte(nil)
	if i := bytes.IndexByte(target, '?'); i >= 0 {
		path, query = target[:i], target[i+1:]
	}
	// A request-target carries no fragment (RFC 9112 §3.2); a client that
	// sends one anyway does not get it read as a value.
	if i := bytes.IndexByte(path, '#'); i >= 0 {
		path, query = path[:i], nil
	} else if i := bytes.IndexByte(query, '#'); i >= 0 {
		query = query[:i]
	}
	for p := path; ; {
		i := bytes.IndexByte(p, ';')
		if i < 0 {
			break
		}
		p = p[i+1:]
		if v := s.paramValue(p, true); len(v) > 0 {
			return v, true
		}
	}
	for q := query; ; {
		if v := s.paramValue(q, false); len(v) > 0 {
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

// paramValue returns the value of p when p starts with "PARAM=", cut at
// the first terminator; nil otherwise.
func (s *Spec) paramValue(p []byte, inPath bool) []byte {
	n := len(s.param)
	if len(p) <= n || p[n] != '=' || !bytes.Equal(p[:n], s.param) {
		return nil
	}
	v := p[n+1:]
	for i, c := range v {
		switch c {
		case '?', '&':
			return v[:i]
		case '/':
			// A path parameter belongs to its segment (as in Tomcat and
			// Jetty); httpd would read on into the next segments.
			if inPath {
				return v[:i]
			}
		case ';':
			if s.scolon {
				return v[:i]
			}
		}
	}
	return v
}
