package affinity

import "bytes"

// FromCookie finds the session value in the value of one Cookie header
// (rule 3 of the package documentation). The caller looks at the URL first
// (FromURL), then at each Cookie header in the order received, and takes
// the first value found. The value is a sub-slice of header.
func (s *Spec) FromCookie(header []byte) (value []byte, ok bool) {
	n := len(s.cookie)
	if n == 0 {
		return nil, false
	}
	for from := 0; from+n < len(header); {
		i := bytes.Index(header[from:], s.cookie)
		if i < 0 {
			break
		}
		at := from + i
		from = at + 1
		if at > 0 && !isCookieBoundary(header[at-1]) {
			continue // "XJSESSIONID" is another cookie
		}
		j := at + n
		for j < len(header) && isSpace(header[j]) {
			j++
		}
		if j == len(header) || header[j] != '=' {
			continue // "JSESSIONIDX=", or the name inside a value
		}
		v := header[j+1:]
		if k := bytes.IndexAny(v, ";,"); k >= 0 {
			v = v[:k]
		}
		if v = unquote(trimSpace(v)); len(v) > 0 {
			return v, true
		}
		// An empty value carries no session: a later one may (httpd stops).
	}
	return nil, false
}

// isCookieBoundary reports whether c may precede a cookie name: httpd's
// ';', ',' (repeated Cookie headers are joined with ", ") or white space.
func isCookieBoundary(c byte) bool { return c == ';' || c == ',' || isSpace(c) }

// isSpace is C's isspace in the "C" locale, as httpd uses it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func trimSpace(v []byte) []byte {
	for len(v) > 0 && isSpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isSpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

// unquote removes the DQUOTEs RFC 6265 §4.1.1 allows around a
// cookie-value; an unbalanced quote is left as it is.
func unquote(v []byte) []byte {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}
