package affinity

import (
	"testing"
	"unsafe"
)

func TestFromCookie(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   string // "" means not found
	}{
		{name: "alone", header: "JSESSIONID=abc.node1", want: "abc.node1"},
		{name: "among others", header: "a=b; JSESSIONID=abc.node1; c=d", want: "abc.node1"},
		{name: "last, no space", header: "a=b;JSESSIONID=abc.node1", want: "abc.node1"},
		{name: "after a comma (joined headers)", header: "a=b, JSESSIONID=abc.node1", want: "abc.node1"},
		{name: "after a comma without space", header: "a=b,JSESSIONID=abc.node1", want: "abc.node1"},
		{name: "after a tab", header: "a=b;\tJSESSIONID=abc.node1", want: "abc.node1"},
		{name: "after spaces and tabs", header: "a=b;  \t JSESSIONID=abc.node1", want: "abc.node1"},
		{name: "after white space in a value (httpd)", header: "a=x JSESSIONID=abc.node1", want: "abc.node1"},
		{name: "spaces around =", header: "JSESSIONID = abc.node1", want: "abc.node1"},
		{name: "tabs around =", header: "JSESSIONID\t=\tabc.node1", want: "abc.node1"},
		{name: "value trimmed", header: "JSESSIONID=  abc.node1  ; x=y", want: "abc.node1"},
		{name: "trailing space at the end", header: "JSESSIONID=abc.node1 ", want: "abc.node1"},
		{name: "inner space kept", header: "JSESSIONID=abc def.node1", want: "abc def.node1"},
		{name: "value ends at ,", header: "JSESSIONID=abc.node1,x=y", want: "abc.node1"},
		{name: "value ends at ;", header: "JSESSIONID=abc.node1;x=y", want: "abc.node1"},
		{name: "quoted", header: `JSESSIONID="abc.node1"`, want: "abc.node1"},
		{name: "quoted among others", header: `a=b; JSESSIONID="abc.node1"; c="d"`, want: "abc.node1"},
		{name: "quoted with spaces outside", header: `JSESSIONID= "abc.node1" ;x`, want: "abc.node1"},
		{name: "unbalanced quote kept", header: `JSESSIONID="abc.node1`, want: `"abc.node1`},
		{name: "lone quote kept", header: `JSESSIONID="`, want: `"`},
		{name: "quoted empty, then set", header: `JSESSIONID=""; JSESSIONID=abc.node2`, want: "abc.node2"},
		{name: "repeated: first wins", header: "JSESSIONID=abc.node1; JSESSIONID=def.node2", want: "abc.node1"},
		{name: "repeated: empty first skipped", header: "JSESSIONID=; JSESSIONID=def.node2", want: "def.node2"},
		{name: "repeated: blank first skipped", header: "JSESSIONID=  , JSESSIONID=def.node2", want: "def.node2"},
		{name: "empty only", header: "JSESSIONID=", want: ""},
		{name: "empty then others", header: "JSESSIONID=; a=b", want: ""},
		{name: "no =", header: "JSESSIONID", want: ""},
		{name: "no = then ;", header: "JSESSIONID; a=b", want: ""},
		{name: "prefixed name", header: "XJSESSIONID=abc.node1", want: ""},
		{name: "prefixed name, then the real one", header: "XJSESSIONID=abc.node1; JSESSIONID=def.node2", want: "def.node2"},
		{name: "suffixed name", header: "JSESSIONIDX=abc.node1", want: ""},
		{name: "case-sensitive", header: "jsessionid=abc.node1", want: ""},
		{name: "name inside a value", header: "a=JSESSIONID=abc.node1", want: ""},
		{name: "name as a value", header: "a=JSESSIONID; b=c", want: ""},
		{name: "name inside a value, then the real one", header: "a=JSESSIONID=x.n1; JSESSIONID=abc.node2", want: "abc.node2"},
		{name: "Jetty", header: "JSESSIONID=node0abc123def456.node1; Path=/", want: "node0abc123def456.node1"},
		{name: "empty header", header: "", want: ""},
		{name: "separators only", header: ";;;,,, ", want: ""},
		{name: "= only", header: "=", want: ""},
		{name: "name at the very end", header: "a=b; JSESSIONID", want: ""},
		{name: "name and = at the very end", header: "a=b; JSESSIONID=", want: ""},
		{name: "percent-encoded left as is", header: "JSESSIONID=abc%2Enode1", want: "abc%2Enode1"},
	}
	s := mustSpec(t, "JSESSIONID|jsessionid", ".", false)
	for _, tt := range tests {
		h := []byte(tt.header)
		v, ok := s.FromCookie(h)
		if ok != (tt.want != "") || string(v) != tt.want {
			t.Errorf("%s: FromCookie(%q) = %q, %v; want %q", tt.name, tt.header, v, ok, tt.want)
		}
		if ok && !within(v, h) {
			t.Errorf("%s: FromCookie(%q) returned bytes outside its input", tt.name, tt.header)
		}
	}
}

// TestURLBeforeCookie walks the order the package documents for callers:
// the URL, then each Cookie header as received.
func TestURLBeforeCookie(t *testing.T) {
	tests := []struct {
		target  string
		cookies []string
		route   string
	}{
		{"/a;jsessionid=u.node1", []string{"JSESSIONID=c.node2"}, "node1"},
		{"/a?jsessionid=u.node3", []string{"JSESSIONID=c.node2"}, "node3"},
		{"/a", []string{"JSESSIONID=c.node2"}, "node2"},
		{"/a;jsessionid=", []string{"JSESSIONID=c.node2"}, "node2"},
		{"/a", []string{"x=1", "JSESSIONID=c.node2", "JSESSIONID=d.node3"}, "node2"},
		{"/a", []string{"JSESSIONID=", "JSESSIONID=d.node3"}, "node3"},
		{"/a", []string{"JSESSIONID=c"}, ""},
		{"/a", nil, ""},
	}
	s := mustSpec(t, "JSESSIONID|jsessionid", ".", false)
	for _, tt := range tests {
		v, ok := s.FromURL([]byte(tt.target))
		for _, c := range tt.cookies {
			if ok {
				break
			}
			v, ok = s.FromCookie([]byte(c))
		}
		if got := s.Route(v); string(got) != tt.route {
			t.Errorf("%q %q: route %q, want %q", tt.target, tt.cookies, got, tt.route)
		}
	}
}

// within reports whether sub lies inside whole's memory: the parsers must
// return views of their input, never copies.
func within(sub, whole []byte) bool {
	if len(sub) == 0 {
		return true
	}
	s := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	w := uintptr(unsafe.Pointer(unsafe.SliceData(whole)))
	return s >= w && s+uintptr(len(sub)) <= w+uintptr(len(whole))
}

// offset returns where sub starts in whole, which it must lie within.
func offset(sub, whole []byte) int {
	if len(sub) == 0 {
		return 0
	}
	return int(uintptr(unsafe.Pointer(unsafe.SliceData(sub))) - uintptr(unsafe.Pointer(unsafe.SliceData(whole))))
}
