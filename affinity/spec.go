package affinity

import (
	"bytes"
	"fmt"
	"strings"
)

// maxName is httpd's bound on a stickysession name (set_balancer_param
// refuses 64 characters and more); config validates with the same bound.
const maxName = 64

// Spec is a balancer's parsed stickysession, stickysessionsep and
// scolonpathdelim settings. The zero Spec finds nothing. A Spec is
// read-only after NewSpec, so copies of it may be used concurrently.
type Spec struct {
	cookie, param         []byte
	cookieName, paramName string // the same names, kept to hand out without allocating
	sepName               string // "" when the separator is off
	sep                   byte   // 0 when the separator is off
	scolon                bool
}

// NewSpec parses stickysession ("COOKIE", or "COOKIE|PARAM" when the URL
// parameter is named differently, e.g. "JSESSIONID|jsessionid"), the
// separator between session id and route (one printable ASCII character;
// "" means "."; "off" in any case means the whole value is the route) and
// scolonpathdelim (';' also ends a URL value). Names are RFC 9110 tokens
// shorter than 64 bytes, as the configuration accepts them.
func NewSpec(stickysession, sep string, scolonPathDelim bool) (Spec, error) {
	cookie, param, found := strings.Cut(stickysession, "|")
	if !found {
		param = cookie
	}
	if !isName(cookie) || !isName(param) {
		return Spec{}, fmt.Errorf("invalid stickysession %q: want COOKIE or COOKIE|PARAM, names of token characters shorter than %d", stickysession, maxName)
	}
	s := Spec{
		cookie: []byte(cookie), param: []byte(param),
		cookieName: cookie, paramName: param,
		scolon: scolonPathDelim,
	}
	switch {
	case sep == "":
		s.sep, s.sepName = '.', "."
	case strings.EqualFold(sep, "off"):
		// sep stays 0: the whole value is the route.
	case len(sep) == 1 && sep[0] > ' ' && sep[0] < 0x7f:
		s.sep, s.sepName = sep[0], sep
	default:
		return Spec{}, fmt.Errorf("invalid stickysessionsep %q: want one printable ASCII character or off", sep)
	}
	return s, nil
}

// isName reports whether s is an RFC 9110 token shorter than maxName.
func isName(s string) bool {
	if s == "" || len(s) >= maxName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// Cookie returns the session cookie's name ("" for the zero Spec).
func (s *Spec) Cookie() string { return s.cookieName }

// Param returns the URL parameter's name ("" for the zero Spec).
func (s *Spec) Param() string { return s.paramName }

// Separator returns the separator between session id and route as a
// string, or "" when it is off.
func (s *Spec) Separator() string { return s.sepName }

// Route returns the route named by a session value: what follows its
// first separator, or the whole value when the separator is off. It
// returns nil when there is no route: no separator, or nothing after it.
func (s *Spec) Route(value []byte) []byte {
	if s.sep == 0 {
		if len(value) == 0 {
			return nil
		}
		return value
	}
	i := bytes.IndexByte(value, s.sep)
	if i < 0 || i == len(value)-1 {
		return nil
	}
	return value[i+1:]
}

// SessionID returns the session id part of a session value, the key of
// the session tables: what precedes its first separator, or the whole
// value when it has none or the separator is off.
func (s *Spec) SessionID(value []byte) []byte {
	if s.sep == 0 {
		return value
	}
	if i := bytes.IndexByte(value, s.sep); i >= 0 {
		return value[:i]
	}
	return value
}
