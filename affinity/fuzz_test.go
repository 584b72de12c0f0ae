package affinity

import (
	"bytes"
	"testing"
)

// checkValue holds what every found value must satisfy: non-empty, a view
// of the input, with a route and a session id that are views of it too.
func checkValue(t *testing.T, s *Spec, in, v []byte) {
	t.Helper()
	if len(v) == 0 {
		t.Fatalf("%q: found an empty value", in)
	}
	if !within(v, in) {
		t.Fatalf("%q: value %q is not a sub-slice of the input", in, v)
	}
	r := s.Route(v)
	if len(r) > len(v) || !within(r, v) {
		t.Fatalf("%q: route %q is not part of the value %q", in, r, v)
	}
	if r != nil && len(r) == 0 {
		t.Fatalf("%q: empty non-nil route", in)
	}
	if id := s.SessionID(v); !within(id, v) {
		t.Fatalf("%q: session id %q is not part of the value %q", in, id, v)
	}
}

func fuzzSpecs(tb testing.TB) []Spec {
	return []Spec{
		mustSpec(tb, "JSESSIONID|jsessionid", ".", false),
		mustSpec(tb, "JSESSIONID|jsessionid", "!", true),
		mustSpec(tb, "JSESSIONID", "off", false),
	}
}

func FuzzFromURL(f *testing.F) {
	for _, seed := range []string{
		"/app;jsessionid=abc.node1",
		"/app;jsessionid=abc.node1?x=1&y=2",
		"/a;v=1;jsessionid=abc.node1;x/b?c",
		"/a?x=1&jsessionid=abc.node1&y=2",
		"/a?jsessionid=&jsessionid=abc!node2",
		"/a;jsessionid=?jsessionid=abc.node1#f",
		"/a;xjsessionid=abc.node1?xjsessionid=",
		"http://h/a;JSESSIONID=abc.node1",
		";jsessionid=",
		"?jsessionid=.",
		"",
	} {
		f.Add([]byte(seed))
	}
	specs := fuzzSpecs(f)
	f.Fuzz(func(t *testing.T, target []byte) {
		for i := range specs {
			s := &specs[i]
			v, ok := s.FromURL(target)
			if !ok {
				if v != nil {
					t.Fatalf("%q: not found but value %q", target, v)
				}
				continue
			}
			checkValue(t, s, target, v)
			if bytes.ContainsAny(v, "?&#") || s.scolon && bytes.IndexByte(v, ';') >= 0 {
				t.Fatalf("%q: value %q holds a terminator", target, v)
			}
			// The name is matched whole: ";PARAM=", "?PARAM=" or "&PARAM=".
			before := target[:offset(v, target)]
			name := append(append([]byte(nil), s.param...), '=')
			if !bytes.HasSuffix(before, name) || len(before) == len(name) ||
				!bytes.Contains([]byte(";?&"), before[len(before)-len(name)-1:len(before)-len(name)]) {
				t.Fatalf("%q: value %q does not follow a whole parameter name", target, v)
			}
		}
	})
}

func FuzzFromCookie(f *testing.F) {
	for _, seed := range []string{
		"JSESSIONID=abc.node1",
		"a=b; JSESSIONID=abc.node1; c=d",
		"a=b,JSESSIONID = \"abc.node1\" ,c",
		"JSESSIONID=; JSESSIONID=abc!node2",
		"XJSESSIONID=a.b;\tJSESSIONID=\"",
		"JSESSIONID=\"\"",
		"a=JSESSIONID=x JSESSIONID=y.z",
		"JSESSIONID",
		"",
	} {
		f.Add([]byte(seed))
	}
	specs := fuzzSpecs(f)
	f.Fuzz(func(t *testing.T, header []byte) {
		for i := range specs {
			s := &specs[i]
			v, ok := s.FromCookie(header)
			if !ok {
				if v != nil {
					t.Fatalf("%q: not found but value %q", header, v)
				}
				continue
			}
			checkValue(t, s, header, v)
			if bytes.ContainsAny(v, ";,") {
				t.Fatalf("%q: value %q holds a terminator", header, v)
			}
			// Going back from the value: an optional quote, white space,
			// '=', white space, the name, then a boundary or the start.
			before := header[:offset(v, header)]
			if len(v) > 0 && bytes.HasSuffix(before, []byte(`"`)) && bytes.HasPrefix(header[offset(v, header)+len(v):], []byte(`"`)) {
				before = before[:len(before)-1]
			}
			before = bytes.TrimRight(before, " \t\n\v\f\r")
			if !bytes.HasSuffix(before, []byte("=")) {
				t.Fatalf("%q: value %q does not follow '='", header, v)
			}
			before = bytes.TrimRight(before[:len(before)-1], " \t\n\v\f\r")
			if !bytes.HasSuffix(before, s.cookie) {
				t.Fatalf("%q: value %q does not follow the cookie name", header, v)
			}
			if before = before[:len(before)-len(s.cookie)]; len(before) > 0 && !isCookieBoundary(before[len(before)-1]) {
				t.Fatalf("%q: value %q follows a longer name", header, v)
			}
		}
	})
}

func FuzzFromSetCookie(f *testing.F) {
	for _, seed := range []string{
		"JSESSIONID=abc.node1; Path=/; HttpOnly",
		"JSESSIONID=; Max-Age=0",
		"JSESSIONID=\"abc\"; Expires=Thu, 01-Jan-1970 00:00:10 GMT",
		"JSESSIONID=abc; Expires=Sun Nov  6 08:49:37 94; Max-Age=-1",
		"JSESSIONID",
		"",
	} {
		f.Add([]byte(seed))
	}
	s := mustSpec(f, "JSESSIONID", ".", false)
	f.Fuzz(func(t *testing.T, header []byte) {
		v, deleted, ok := s.FromSetCookie(header)
		if !within(v, header) {
			t.Fatalf("%q: value %q is not a sub-slice of the input", header, v)
		}
		if ok != (len(v) > 0 || deleted) {
			t.Fatalf("%q: ok %v with value %q, deleted %v", header, ok, v, deleted)
		}
		if bytes.IndexByte(v, ';') >= 0 {
			t.Fatalf("%q: value %q holds a ';'", header, v)
		}
	})
}
