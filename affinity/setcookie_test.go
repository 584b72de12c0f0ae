package affinity

import "testing"

func TestFromSetCookie(t *testing.T) {
	tests := []struct {
		header  string
		value   string
		deleted bool
		ok      bool
	}{
		{"JSESSIONID=abc.node1; Path=/; HttpOnly", "abc.node1", false, true},
		{"JSESSIONID=abc.node1", "abc.node1", false, true},
		{"JSESSIONID=abc.node1;Secure;SameSite=Lax", "abc.node1", false, true},
		{`JSESSIONID="abc.node1"; Path=/`, "abc.node1", false, true},
		{" JSESSIONID = abc.node1 ;Path=/", "abc.node1", false, true},
		{"JSESSIONID=node0abc.node2; Path=/app; Max-Age=1800", "node0abc.node2", false, true},
		{"OTHER=abc.node1; Path=/", "", false, false},
		{"JSESSIONIDX=abc.node1", "", false, false},
		{"XJSESSIONID=abc.node1", "", false, false},
		{"jsessionid=abc.node1", "", false, false},
		{"JSESSIONID", "", false, false},
		{"JSESSIONID; Max-Age=0", "", false, false},
		{"", "", false, false},
		{"JSESSIONID=; Path=/", "", false, false}, // nothing set, nothing deleted
		{"JSESSIONID=; Max-Age=0; Path=/", "", true, true},
		{"JSESSIONID=abc.node1; Max-Age=0", "abc.node1", true, true},
		{"JSESSIONID=abc.node1; max-age=-1", "abc.node1", true, true},
		{"JSESSIONID=abc.node1; MAX-AGE = 00", "abc.node1", true, true},
		{"JSESSIONID=abc.node1; Max-Age=3600", "abc.node1", false, true},
		{"JSESSIONID=abc.node1; Max-Age=x", "abc.node1", false, true},   // invalid: ignored
		{"JSESSIONID=abc.node1; Max-Age=-", "abc.node1", false, true},   // invalid: ignored
		{"JSESSIONID=abc.node1; Max-Age=", "abc.node1", false, true},    // invalid: ignored
		{"JSESSIONID=abc.node1; Max-Age=1e3", "abc.node1", false, true}, // invalid: ignored
		{"JSESSIONID=abc.node1; Max-Age=0; Max-Age=60", "abc.node1", false, true},
		{"JSESSIONID=abc.node1; Max-Age=60; Max-Age=0", "abc.node1", true, true},
		{"JSESSIONID=abc.node1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "abc.node1", true, true},
		{"JSESSIONID=; Expires=Thu, 01-Jan-1970 00:00:10 GMT; Path=/", "", true, true}, // Tomcat
		{"JSESSIONID=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0", "deleted", true, true},
		{"JSESSIONID=abc.node1; Expires=Thu, 01-Jan-70 00:00:01 GMT", "abc.node1", true, true},
		{"JSESSIONID=abc.node1; Expires=Sun, 06-Nov-94 08:49:37 GMT", "abc.node1", true, true},
		{"JSESSIONID=abc.node1; Expires=Thu Jan  1 00:00:00 1970", "abc.node1", true, true}, // asctime
		{"JSESSIONID=abc.node1; Expires=Wed, 21 Oct 2099 07:28:00 GMT", "abc.node1", false, true},
		{"JSESSIONID=abc.node1; Expires=Fri, 01-Jan-38 00:00:00 GMT", "abc.node1", false, true}, // 2038
		{"JSESSIONID=abc.node1; Expires=yesterday", "abc.node1", false, true},                   // invalid: ignored
		{"JSESSIONID=abc.node1; Expires=01 Jan 1970", "abc.node1", false, true},                 // no time: invalid
		{"JSESSIONID=abc.node1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60", "abc.node1", false, true},
		{"JSESSIONID=abc.node1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "abc.node1", false, true},
		{"JSESSIONID=abc.node1; Path=/max-age=0", "abc.node1", false, true},
	}
	s := mustSpec(t, "JSESSIONID|jsessionid", ".", false)
	for _, tt := range tests {
		h := []byte(tt.header)
		v, deleted, ok := s.FromSetCookie(h)
		if string(v) != tt.value || deleted != tt.deleted || ok != tt.ok {
			t.Errorf("FromSetCookie(%q) = %q, deleted %v, ok %v; want %q, %v, %v",
				tt.header, v, deleted, ok, tt.value, tt.deleted, tt.ok)
		}
		if !within(v, h) {
			t.Errorf("FromSetCookie(%q) returned bytes outside its input", tt.header)
		}
	}
}

func TestCookieYear(t *testing.T) {
	tests := []struct {
		date string
		year int // 0 means not a date
	}{
		{"Thu, 01 Jan 1970 00:00:00 GMT", 1970},
		{"Thu, 01-Jan-1970 00:00:10 GMT", 1970},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 2015},
		{"Sunday, 06-Nov-94 08:49:37 GMT", 1994},
		{"Sun Nov  6 08:49:37 1994", 1994},
		{"6 nov 08:49:37 69", 2069},
		{"1 JANUARY 00:00:00 00", 2000},
		{"2015 Oct 21 07:28:00", 2015}, // any order: "2015" is too long for a day
		{"21 Oct 07:28:00", 0},         // no year
		{"Oct 2015 07:28:00", 0},       // no day
		{"21 2015 07:28:00", 0},        // no month
		{"21 Oct 2015", 0},             // no time
		{"", 0},
		{"0:0:0 1 jan 1601", 1601},
		{"07:28:00:99 21 Oct 2015", 2015}, // hms-time may be followed by a non-digit and anything
	}
	for _, tt := range tests {
		year, ok := cookieYear([]byte(tt.date))
		if ok != (tt.year != 0) || ok && year != tt.year {
			t.Errorf("cookieYear(%q) = %d, %v; want %d", tt.date, year, ok, tt.year)
		}
	}
}
