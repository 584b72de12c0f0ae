package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	tokenRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	bcrypt  = regexp.MustCompile(`^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$`)
)

var statusFlags = map[string]bool{"disabled": true, "stopped": true, "ignore-errors": true, "hot-standby": true, "drain": true}

// validate checks everything a user can get wrong.
func (c *Config) validate(x *index) {
	for i, l := range c.Listen {
		p := fmt.Sprintf("listen[%d]", i)
		if !x.has(p) {
			p = "listen"
		}
		if _, _, err := net.SplitHostPort(l.Addr); err != nil {
			x.add(p, "invalid address %q (want host:port)", l.Addr)
		}
		if l.TLS != nil && (l.TLS.Cert == "" || l.TLS.Key == "") {
			x.add(p+".tls", "needs both cert and key")
		}
	}
	if _, _, err := net.SplitHostPort(c.Manager.Listen); err != nil {
		x.add("manager.listen", "invalid address %q (want host:port)", c.Manager.Listen)
	}
	if !strings.HasPrefix(c.Manager.Path, "/") {
		x.add("manager.path", "must start with /")
	}
	if a := c.Manager.Auth; a != nil {
		for i, u := range a.Users {
			p := fmt.Sprintf("manager.auth.users[%d]", i)
			if u.Name == "" {
				x.add(p+".name", "required")
			}
			if !bcrypt.MatchString(u.Password) {
				x.add(p+".password", "must be a bcrypt hash ($2a$, $2b$ or $2y$; e.g. from htpasswd -nbB); the value is not shown")
			}
		}
	}
	if r := c.Store.Redis; r != nil && r.Addr == "" && len(r.Addrs) == 0 {
		x.add("store.redis", "needs addr or addrs")
	}
	if f := c.AccessLog.Format; f != "combined" && f != "json" {
		x.add("accesslog.format", "must be combined or json, got %q", f)
	}
	if len(c.Balancers) == 0 {
		x.add("balancers", "at least one balancer is required")
	}
	names := map[string]bool{}
	for i := range c.Balancers {
		b := &c.Balancers[i]
		p := fmt.Sprintf("balancers[%d]", i)
		switch {
		case b.Name == "":
			x.add(p+".name", "required")
		case !nameRE.MatchString(b.Name):
			x.add(p+".name", "%q: use letters, digits, '.', '_' and '-'", b.Name)
		case names[b.Name]:
			x.add(p+".name", "duplicate balancer %q", b.Name)
		}
		names[b.Name] = true
		b.validate(x, p)
	}
	if len(c.Routes) == 0 {
		x.add("routes", "at least one route is required")
	}
	paths := map[string]bool{}
	for i, r := range c.Routes {
		p := fmt.Sprintf("routes[%d]", i)
		if !strings.HasPrefix(r.Path, "/") {
			x.add(p+".path", "must start with /, got %q", r.Path)
		} else if paths[strings.TrimSuffix(r.Path, "/")] {
			x.add(p+".path", "duplicate path %q", r.Path)
		}
		paths[strings.TrimSuffix(r.Path, "/")] = true
		if !names[r.Balancer] {
			x.add(p+".balancer", "unknown balancer %q (have: %s)", r.Balancer, strings.Join(balancerNames(c), ", "))
		}
	}
}

func balancerNames(c *Config) []string {
	var out []string
	for _, b := range c.Balancers {
		out = append(out, b.Name)
	}
	return out
}

func (b *Balancer) validate(x *index, p string) {
	switch b.LBMethod {
	case "byrequests", "bytraffic", "bybusyness":
	default:
		x.add(p+".lbmethod", "must be byrequests, bytraffic or bybusyness, got %q", b.LBMethod)
	}
	if s := b.StickySession; s != "" {
		cookie, param, _ := strings.Cut(s, "|")
		if len(s) >= 64 || !tokenRE.MatchString(cookie) || (strings.Contains(s, "|") && !tokenRE.MatchString(param)) {
			x.add(p+".stickysession", "want COOKIE or COOKIE|PARAM (cookie-name characters, under 64), got %q", s)
		}
	}
	if sep := b.StickySessionSep; len(sep) != 1 && !strings.EqualFold(sep, "off") {
		x.add(p+".stickysessionsep", "must be one character or off, got %q", sep)
	}
	switch b.StickyMode {
	case "route", "insert", "learn":
	default:
		x.add(p+".stickymode", "must be route, insert or learn, got %q", b.StickyMode)
	}
	if b.StickyMode == "learn" && b.StickySession == "" {
		x.add(p+".stickysession", "learn mode needs the application's session cookie name")
	}
	if !tokenRE.MatchString(b.StickyCookie) {
		x.add(p+".stickycookie", "invalid cookie name %q", b.StickyCookie)
	}
	if b.MaxAttempts != nil && *b.MaxAttempts < 0 {
		x.add(p+".maxattempts", "must be 0 or more, got %d", *b.MaxAttempts)
	}
	for j, code := range b.FailOnStatus {
		if code < 100 || code > 599 {
			x.add(fmt.Sprintf("%s.failonstatus[%d]", p, j), "must be a status code 100-599, got %d", code)
		}
	}
	if h := b.HealthCheck; h != nil {
		switch strings.ToUpper(h.Method) {
		case "GET", "HEAD", "OPTIONS", "TCP":
			h.Method = strings.ToUpper(h.Method)
		default:
			x.add(p+".healthcheck.method", "must be GET, HEAD, OPTIONS or TCP, got %q", h.Method)
		}
		if !strings.HasPrefix(h.URI, "/") {
			x.add(p+".healthcheck.uri", "must start with /, got %q", h.URI)
		}
		if h.Passes < 1 {
			x.add(p+".healthcheck.passes", "must be 1 or more, got %d", h.Passes)
		}
		if h.Fails < 1 {
			x.add(p+".healthcheck.fails", "must be 1 or more, got %d", h.Fails)
		}
	}
	if len(b.Members) == 0 {
		x.add(p+".members", "at least one member is required")
	}
	urls, routes := map[string]bool{}, map[string]bool{}
	for j := range b.Members {
		m := &b.Members[j]
		mp := fmt.Sprintf("%s.members[%d]", p, j)
		u, err := url.Parse(m.URL)
		switch {
		case m.URL == "":
			x.add(mp+".url", "required")
		case err != nil:
			x.add(mp+".url", "unparsable URL %q", m.URL)
		case u.Scheme != "http" && u.Scheme != "https":
			x.add(mp+".url", "scheme must be http or https, got %q", m.URL)
		case u.Host == "":
			x.add(mp+".url", "no host in %q", m.URL)
		case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			x.add(mp+".url", "must not carry a query, fragment or credentials: %q", m.URL)
		case urls[m.URL]:
			x.add(mp+".url", "duplicate member %q", m.URL)
		}
		urls[m.URL] = true
		if m.Route != "" {
			if len(m.Route) >= 64 || !tokenRE.MatchString(m.Route) {
				x.add(mp+".route", "use cookie-safe characters, under 64: %q", m.Route)
			} else if routes[m.Route] {
				x.add(mp+".route", "duplicate route %q", m.Route)
			}
			routes[m.Route] = true
		}
		if m.LoadFactor < 1 || m.LoadFactor > 100 {
			x.add(mp+".loadfactor", "must be between 1 and 100, got %v", m.LoadFactor)
		}
		if m.LBSet < 0 || m.LBSet > 99 {
			x.add(mp+".lbset", "must be between 0 and 99, got %d", m.LBSet)
		}
		for k, s := range m.Status {
			if !statusFlags[strings.ToLower(s)] {
				x.add(fmt.Sprintf("%s.status[%d]", mp, k), "unknown status %q (want disabled, stopped, ignore-errors, hot-standby or drain)", s)
			}
		}
		if m.Max < 0 {
			x.add(mp+".max", "must be 0 (unlimited) or more, got %d", m.Max)
		}
		if m.MaxQueue < 0 {
			x.add(mp+".maxqueue", "must be 0 or more, got %d", m.MaxQueue)
		}
	}
	for j, m := range b.Members {
		if m.Redirect == "" {
			continue
		}
		mp := fmt.Sprintf("%s.members[%d].redirect", p, j)
		if m.Redirect == m.Route {
			x.add(mp, "a member cannot redirect to itself")
		} else if !routes[m.Redirect] {
			x.add(mp, "no member of this balancer has route %q", m.Redirect)
		}
	}
}
