package affinity

import (
	"strings"
	"testing"
)

// mustSpec builds a Spec or stops the test.
func mustSpec(tb testing.TB, sticky, sep string, scolon bool) Spec {
	tb.Helper()
	s, err := NewSpec(sticky, sep, scolon)
	if err != nil {
		tb.Fatalf("NewSpec(%q, %q, %v): %v", sticky, sep, scolon, err)
	}
	return s
}

func TestNewSpec(t *testing.T) {
	tests := []struct {
		sticky, sep   string
		cookie, param string // wanted names
		separator     string // wanted Separator()
		bad           bool   // NewSpec must refuse it
	}{
		{sticky: "JSESSIONID|jsessionid", sep: ".", cookie: "JSESSIONID", param: "jsessionid", separator: "."},
		{sticky: "JSESSIONID", sep: ".", cookie: "JSESSIONID", param: "JSESSIONID", separator: "."},
		{sticky: "PHPSESSID", sep: "", cookie: "PHPSESSID", param: "PHPSESSID", separator: "."},
		{sticky: "JSESSIONID|jsessionid", sep: "!", cookie: "JSESSIONID", param: "jsessionid", separator: "!"},
		{sticky: "JSESSIONID", sep: "off", cookie: "JSESSIONID", param: "JSESSIONID", separator: ""},
		{sticky: "JSESSIONID", sep: "Off", cookie: "JSESSIONID", param: "JSESSIONID", separator: ""},
		{sticky: "JSESSIONID", sep: "OFF", cookie: "JSESSIONID", param: "JSESSIONID", separator: ""},
		{sticky: "a|b|c", sep: ".", cookie: "a", param: "b|c", separator: "."}, // as config accepts it
		{sticky: strings.Repeat("x", 63), sep: ".", cookie: strings.Repeat("x", 63), param: strings.Repeat("x", 63), separator: "."},
		{sticky: "", sep: ".", bad: true},
		{sticky: "|jsessionid", sep: ".", bad: true},
		{sticky: "JSESSIONID|", sep: ".", bad: true},
		{sticky: "JSESSION ID", sep: ".", bad: true},
		{sticky: "JSESSIONID;x", sep: ".", bad: true},
		{sticky: "JSESSIONID=", sep: ".", bad: true},
		{sticky: "JSESSIONID,x", sep: ".", bad: true},
		{sticky: `"JSESSIONID"`, sep: ".", bad: true},
		{sticky: "jsessionid|a/b", sep: ".", bad: true},
		{sticky: "JSESSIONIDé", sep: ".", bad: true},
		{sticky: strings.Repeat("x", 64), sep: ".", bad: true},
		{sticky: "JSESSIONID", sep: "..", bad: true},
		{sticky: "JSESSIONID", sep: " ", bad: true},
		{sticky: "JSESSIONID", sep: "\t", bad: true},
		{sticky: "JSESSIONID", sep: "\x7f", bad: true},
		{sticky: "JSESSIONID", sep: "é", bad: true},
		{sticky: "JSESSIONID", sep: "no", bad: true},
	}
	for _, tt := range tests {
		s, err := NewSpec(tt.sticky, tt.sep, false)
		if tt.bad {
			if err == nil {
				t.Errorf("NewSpec(%q, %q) accepted, want an error", tt.sticky, tt.sep)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewSpec(%q, %q): %v", tt.sticky, tt.sep, err)
			continue
		}
		if s.Cookie() != tt.cookie || s.Param() != tt.param || s.Separator() != tt.separator {
			t.Errorf("NewSpec(%q, %q) = cookie %q, param %q, separator %q; want %q, %q, %q",
				tt.sticky, tt.sep, s.Cookie(), s.Param(), s.Separator(), tt.cookie, tt.param, tt.separator)
		}
	}
}

func TestZeroSpecFindsNothing(t *testing.T) {
	var s Spec
	if v, ok := s.FromURL([]byte("/a;jsessionid=abc.node1?jsessionid=abc.node1")); ok {
		t.Errorf("FromURL = %q, want nothing", v)
	}
	if v, ok := s.FromCookie([]byte("JSESSIONID=abc.node1; =x")); ok {
		t.Errorf("FromCookie = %q, want nothing", v)
	}
	if v, _, ok := s.FromSetCookie([]byte("=abc.node1")); ok {
		t.Errorf("FromSetCookie = %q, want nothing", v)
	}
	if s.Cookie() != "" || s.Param() != "" || s.Separator() != "" {
		t.Errorf("zero Spec names %q %q %q, want none", s.Cookie(), s.Param(), s.Separator())
	}
}

func TestRouteAndSessionID(t *testing.T) {
	tests := []struct {
		sep, value string
		route      string // "" means nil
		id         string
	}{
		{".", "abc.node1", "node1", "abc"},
		{".", "id.node1.dc", "node1.dc", "id"},                   // after the FIRST separator
		{".", "node0abc123def.node1", "node1", "node0abc123def"}, // Jetty
		{".", "abc.", "", "abc"},                                 // empty route
		{".", "abc", "", "abc"},                                  // no separator
		{".", ".node1", "node1", ""},                             // insert mode's ROUTEID=.node1
		{".", ".", "", ""},
		{".", "", "", ""},
		{".", "a..b", ".b", "a"},
		{".", "abc!node1", "", "abc!node1"},
		{"!", "abc!node1", "node1", "abc"}, // WebLogic
		{"!", "abc.node1", "", "abc.node1"},
		{"!", "a!b!c", "b!c", "a"},
		{":", "abc:node1", "node1", "abc"},
		{"off", "abc.node1", "abc.node1", "abc.node1"},
		{"off", "node1", "node1", "node1"},
		{"off", "", "", ""},
		{".", "abc%2Enode1", "", "abc%2Enode1"}, // not decoded
	}
	for _, tt := range tests {
		s := mustSpec(t, "JSESSIONID", tt.sep, false)
		route := s.Route([]byte(tt.value))
		if string(route) != tt.route || (tt.route == "") != (route == nil) {
			t.Errorf("sep %q: Route(%q) = %q (nil %v), want %q", tt.sep, tt.value, route, route == nil, tt.route)
		}
		if id := s.SessionID([]byte(tt.value)); string(id) != tt.id {
			t.Errorf("sep %q: SessionID(%q) = %q, want %q", tt.sep, tt.value, id, tt.id)
		}
	}
}
