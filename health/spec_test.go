package health

import (
	"strings"
	"testing"
	"time"
)

func TestJoinURI(t *testing.T) {
	for _, tc := range []struct{ base, uri, want string }{
		{"", "", "/"},
		{"/", "", "/"},
		{"", "/health", "/health"},
		{"/", "/health", "/health"},
		{"", "health", "/health"},
		{"/app", "", "/app"},
		{"/app", "/", "/app/"},
		{"/app", "/health", "/app/health"},
		{"/app/", "/health", "/app/health"},
		{"/app/", "health", "/app/health"},
		{"/app", "/status?full=1", "/app/status?full=1"},
		{"/app", "?probe", "/app?probe"},
		{"", "?probe", "/?probe"},
		{"/a%2Fb", "/x", "/a%2Fb/x"},
	} {
		if got := joinURI(tc.base, tc.uri); got != tc.want {
			t.Errorf("joinURI(%q, %q) = %q, want %q", tc.base, tc.uri, got, tc.want)
		}
	}
}

func TestCompile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		t      Target
		err    string
		addr   string
		target string
		tls    bool
	}{
		{"http default port", Target{URL: "http://example.test/app", Spec: Spec{URI: "/hc"}}, "", "example.test:80", "/app/hc", false},
		{"https default port", Target{URL: "https://example.test"}, "", "example.test:443", "/", true},
		{"explicit port", Target{URL: "http://127.0.0.1:8101"}, "", "127.0.0.1:8101", "/", false},
		{"ipv6", Target{URL: "http://[::1]:8101/x"}, "", "[::1]:8101", "/x", false},
		{"bad method", Target{URL: "http://h", Spec: Spec{Method: "POST"}}, `method "POST"`, "", "", false},
		{"bad scheme", Target{URL: "ws://h"}, "scheme must be http or https", "", "", false},
		{"no host", Target{URL: "/relative"}, "no host", "", "", false},
		{"negative interval", Target{URL: "http://h", Spec: Spec{Interval: -time.Second}}, "negative", "", "", false},
		{"negative fails", Target{URL: "http://h", Spec: Spec{Fails: -1}}, "negative", "", "", false},
		{"space in uri", Target{URL: "http://h", Spec: Spec{URI: "/a b"}}, "whitespace", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := compile(tc.t, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.addr != tc.addr || p.target != tc.target || (p.tlsConf != nil) != tc.tls {
				t.Fatalf("got addr %q target %q tls %v", p.addr, p.target, p.tlsConf != nil)
			}
		})
	}
}

func TestSpecDefaults(t *testing.T) {
	for _, tc := range []struct {
		in                Spec
		interval, timeout time.Duration
	}{
		{Spec{}, DefaultInterval, DefaultTimeout},
		{Spec{Interval: time.Second}, time.Second, time.Second},
		{Spec{Interval: time.Minute}, time.Minute, DefaultTimeout},
		{Spec{Interval: time.Second, Timeout: 3 * time.Second}, time.Second, 3 * time.Second},
	} {
		s, err := tc.in.normalize()
		if err != nil {
			t.Fatal(err)
		}
		if s.Method != MethodGET || s.Passes != 1 || s.Fails != 1 || s.Interval != tc.interval || s.Timeout != tc.timeout {
			t.Errorf("%+v normalized to %+v", tc.in, s)
		}
		if !s.Expect(200) || !s.Expect(399) || s.Expect(199) || s.Expect(400) {
			t.Errorf("default expect is not 200-399")
		}
	}
}
