package health

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Check methods accepted in Spec.Method. GET, HEAD and OPTIONS send an
// HTTP/1.1 request; TCP only connects.
const (
	MethodGET     = "GET"
	MethodHEAD    = "HEAD"
	MethodOPTIONS = "OPTIONS"
	MethodTCP     = "TCP"
)

// Defaults applied to zero fields of a Spec.
const (
	// DefaultInterval is the pause between two checks of one member.
	DefaultInterval = 5 * time.Second
	// DefaultTimeout caps one check; the effective default is the smaller
	// of this and the interval.
	DefaultTimeout = 5 * time.Second
)

// UserAgent is the User-Agent of every HTTP check, so members can keep
// checks out of their access logs.
const UserAgent = "balancer-healthcheck"

// Spec is one balancer's check settings. Zero fields take defaults:
// Method GET, URI the member URL's own path, Interval DefaultInterval,
// Timeout the smaller of Interval and DefaultTimeout, Passes and Fails 1,
// Expect 200-399 (mod_proxy_hcheck's pass rule without an hcexpr).
type Spec struct {
	// Method is GET, HEAD, OPTIONS or TCP (case-insensitive).
	Method string
	// URI is the path, with an optional query, requested on the member.
	// Like httpd's hcuri it is appended to the member URL's path: member
	// http://h:8101/app with URI /health requests /app/health.
	URI string
	// Interval is the time between the starts of two checks of a member.
	Interval time.Duration
	// Timeout bounds one check from dial to the end of the body.
	Timeout time.Duration
	// Passes is how many consecutive successes bring a failed member back.
	Passes int
	// Fails is how many consecutive failures mark a healthy member failed.
	Fails int
	// Expect reports whether a response status passes. It must be safe for
	// concurrent use; config.StatusRanges.Match is the usual value.
	Expect func(status int) bool
}

// Target is one member to check.
type Target struct {
	// Key identifies the member across reloads (balancer name + member
	// URL); it is opaque to this package and handed back to the Reporter.
	Key string
	// URL is the member's base URL, e.g. http://127.0.0.1:8101/app.
	URL string
	// Spec is the check of the member's balancer.
	Spec Spec
}

// defaultExpect is httpd's pass rule: any 2xx or 3xx.
func defaultExpect(status int) bool { return status >= 200 && status <= 399 }

// normalize returns s with defaults in place of zero fields, or an error
// naming the first invalid field.
func (s Spec) normalize() (Spec, error) {
	s.Method = strings.ToUpper(s.Method)
	switch s.Method {
	case "":
		s.Method = MethodGET
	case MethodGET, MethodHEAD, MethodOPTIONS, MethodTCP:
	default:
		return s, fmt.Errorf("method %q: want GET, HEAD, OPTIONS or TCP", s.Method)
	}
	if s.Interval < 0 || s.Timeout < 0 {
		return s, errors.New("interval and timeout must not be negative")
	}
	if s.Passes < 0 || s.Fails < 0 {
		return s, errors.New("passes and fails must not be negative")
	}
	if s.Interval == 0 {
		s.Interval = DefaultInterval
	}
	if s.Timeout == 0 {
		s.Timeout = min(s.Interval, DefaultTimeout)
	}
	if s.Passes == 0 {
		s.Passes = 1
	}
	if s.Fails == 0 {
		s.Fails = 1
	}
	if s.Expect == nil {
		s.Expect = defaultExpect
	}
	if strings.ContainsAny(s.URI, " \r\n") {
		return s, fmt.Errorf("uri %q: contains whitespace", s.URI)
	}
	return s, nil
}

// plan is a Target validated and resolved into what one check needs. It
// is immutable; Update swaps a target's plan as a whole.
type plan struct {
	spec    Spec
	addr    string      // host:port to dial
	host    string      // Host header
	target  string      // request-target: joined path and query
	tlsConf *tls.Config // nil for http members
}

// compile validates t and resolves its address and request-target.
func compile(t Target, base *tls.Config) (*plan, error) {
	spec, err := t.Spec.normalize()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return nil, fmt.Errorf("url %q: %v", t.URL, err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("url %q: no host", t.URL)
	}
	p := &plan{spec: spec, host: u.Host, target: joinURI(u.EscapedPath(), spec.URI)}
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			port = "80"
		}
	case "https":
		if port == "" {
			port = "443"
		}
		p.tlsConf = tlsFor(base, u.Hostname())
	default:
		return nil, fmt.Errorf("url %q: scheme must be http or https", t.URL)
	}
	p.addr = net.JoinHostPort(u.Hostname(), port)
	return p, nil
}

// tlsFor returns a client TLS configuration verifying name, built on base.
func tlsFor(base *tls.Config, name string) *tls.Config {
	var c *tls.Config
	if base != nil {
		c = base.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = name
	}
	// A check is one request on a fresh connection: offering h2 would only
	// invite a protocol the request is not written in.
	c.NextProtos = []string{"http/1.1"}
	return c
}

// joinURI appends uri (path with an optional query) to the member's
// escaped base path with exactly one slash between them. httpd inserts a
// slash unconditionally (create_hcheck_req), so "/app" + "/health" becomes
// "/app//health" there; a doubled slash is never what a user means.
func joinURI(base, uri string) string {
	path, query, hasQuery := strings.Cut(uri, "?")
	var out string
	switch {
	case path == "":
		out = base
	case base == "" || base == "/":
		out = "/" + strings.TrimPrefix(path, "/")
	default:
		out = strings.TrimSuffix(base, "/") + "/" + strings.TrimPrefix(path, "/")
	}
	if out == "" {
		out = "/"
	}
	if hasQuery {
		out += "?" + query
	}
	return out
}
