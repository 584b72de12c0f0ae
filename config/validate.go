package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	nameRE   = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	bcryptRE = regexp.MustCompile(`^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$`)
)

// maxName is httpd's bound on routes and sticky session names (< 64).
const maxName = 64

// minCheckInterval is mod_proxy_hcheck's smallest hcinterval.
const minCheckInterval = 100 * time.Millisecond

// add records a problem with the field at path, at the line of its value,
// or of the closest enclosing field the file has. A field whose value did
// not decode has been reported already and is left alone.
func (d *decoder) add(path, format string, args ...any) {
	for p := path; p != ""; p = parent(p) {
		if d.bad[p] {
			return
		}
	}
	if d.full() {
		d.dropped++
		return
	}
	d.report(&FieldError{File: d.file, Line: d.line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
}

// line returns the line of path or of its closest enclosing field.
func (d *decoder) line(path string) int {
	if d.edit {
		return 0
	}
	for p := path; p != ""; p = parent(p) {
		if n, ok := d.lines[p]; ok {
			return n
		}
	}
	return max(d.docLine, 1)
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// validate checks everything a user can get wrong, after defaults.
func (c *Config) validate(d *decoder) {
	c.validateListeners(d)
	c.validateManager(d)
	c.validateStore(d)
	if f := c.AccessLog.Format; f != "combined" && f != "json" {
		d.add("accesslog.format", "must be combined or json, got %q", f)
	}
	if c.Limits.MaxConns < 0 {
		d.add("limits.maxconns", "must be 0 or more, got %d", c.Limits.MaxConns)
	}
	if n := c.Limits.MaxConcurrentStreams; n < 1 || n > 1<<31-1 {
		d.add("limits.maxconcurrentstreams", "must be between 1 and 2147483647, got %d", n)
	}
	if c.Limits.BodyTimeout < 0 {
		d.add("limits.bodytimeout", "must be more than 0, got %s", c.Limits.BodyTimeout.D())
	}
	c.validateTrustedProxies(d)
	if len(c.Balancers) == 0 {
		d.add("balancers", "at least one balancer is required")
	}
	names := map[string]bool{}
	for i := range c.Balancers {
		b := &c.Balancers[i]
		p := "balancers[" + strconv.Itoa(i) + "]"
		switch {
		case b.Name == "":
			d.add(p+".name", "required")
		case !nameRE.MatchString(b.Name):
			d.add(p+".name", "%q: use letters, digits, '.', '_' and '-'", b.Name)
		case names[b.Name]:
			d.add(p+".name", "duplicate balancer %q", b.Name)
		}
		names[b.Name] = true
		b.validate(d, p)
	}
	c.validateRoutes(d, names)
}

// listenerPath is the path of listener i: "listen" when the file gives one
// entry without a list.
func (c *Config) listenerPath(d *decoder, i int) string {
	p := "listen[" + strconv.Itoa(i) + "]"
	if _, ok := d.lines[p]; ok || len(c.Listen) > 1 {
		return p
	}
	return "listen"
}

func (c *Config) validateListeners(d *decoder) {
	seen := map[string]string{}
	for i, l := range c.Listen {
		p := c.listenerPath(d, i)
		ap := p
		if d.set[p+".addr"] {
			ap = p + ".addr"
		}
		if l.Addr == "" {
			d.add(p+".addr", "required")
		} else if msg := checkAddr(l.Addr); msg != "" {
			d.add(ap, "%s", msg)
		} else if other, dup := seen[l.Addr]; dup {
			d.add(ap, "%q is also %s", l.Addr, other)
		} else if !strings.HasSuffix(l.Addr, ":0") {
			seen[l.Addr] = p
		}
		if t := l.TLS; t != nil {
			if t.Cert == "" {
				d.add(p+".tls.cert", "required: tls needs both cert and key")
			}
			if t.Key == "" {
				d.add(p+".tls.key", "required: tls needs both cert and key")
			}
			if l.RedirectHTTPS {
				d.add(p+".redirecthttps", "is for a plain listener; this one has tls")
			}
			if l.H2C {
				d.add(p+".h2c", "is for a plain listener; this one has tls, where http2 (ALPN) applies")
			}
		} else if l.HTTP2 != nil && *l.HTTP2 {
			d.add(p+".http2", "needs tls (ALPN); a plain listener takes HTTP/2 with h2c: true")
		}
		if l.H2C && l.RedirectHTTPS {
			d.add(p+".h2c", "cannot go with redirecthttps: that listener only redirects")
		}
	}
	if other, dup := seen[c.Manager.Listen]; dup {
		d.add("manager.listen", "%q is also %s (the manager needs its own address)", c.Manager.Listen, other)
	}
}

// checkAddr returns what is wrong with a listening address, or "".
func checkAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("invalid address %q (want host:port, e.g. \"127.0.0.1:8080\" or \":8080\")", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("invalid port in %q (want 0-65535)", addr)
	}
	return ""
}

// hostNameRE is a DNS name as a Host header carries it.
var hostNameRE = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$`)

// checkHostName checks a manager.hosts entry: a host name or an IP
// address, without a port (any port matches).
func checkHostName(h string) string {
	if ip := strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"); net.ParseIP(ip) != nil {
		return ""
	}
	if hostNameRE.MatchString(h) {
		return ""
	}
	if host, port, err := net.SplitHostPort(h); err == nil && checkHostName(host) == "" {
		if _, err := strconv.Atoi(port); err == nil {
			return fmt.Sprintf("%q: give the name without a port (any port matches)", h)
		}
	}
	return fmt.Sprintf("%q is not a host name or IP address (e.g. balancer.example.com, 10.0.0.5)", h)
}

func (c *Config) validateManager(d *decoder) {
	m := &c.Manager
	if msg := checkAddr(m.Listen); msg != "" {
		d.add("manager.listen", "%s", msg)
	}
	if msg := checkPath(m.Path); msg != "" {
		d.add("manager.path", "%s", msg)
	}
	for i, h := range m.Hosts {
		if msg := checkHostName(h); msg != "" {
			d.add("manager.hosts["+strconv.Itoa(i)+"]", "%s", msg)
		}
	}
	if m.Auth == nil {
		return
	}
	if len(m.Auth.Users) == 0 {
		d.add("manager.auth.users", "at least one user is required (or remove auth)")
	}
	users := map[string]bool{}
	for i, u := range m.Auth.Users {
		p := "manager.auth.users[" + strconv.Itoa(i) + "]"
		switch {
		case u.Name == "":
			d.add(p+".name", "required")
		case strings.ContainsAny(u.Name, ":\r\n"):
			d.add(p+".name", "%q: a user name cannot contain ':' (HTTP basic authentication)", u.Name)
		case users[u.Name]:
			d.add(p+".name", "duplicate user %q", u.Name)
		}
		users[u.Name] = true
		// The value is never printed: it may be a password typed in clear.
		if u.Password == "" {
			d.add(p+".password", "required: a bcrypt hash ($2a$, $2b$ or $2y$; e.g. from htpasswd -nbB user password)")
		} else if !bcryptRE.MatchString(u.Password) {
			d.add(p+".password", "must be a bcrypt hash ($2a$, $2b$ or $2y$; e.g. from htpasswd -nbB user password); the value is not shown")
		}
	}
}

func (c *Config) validateStore(d *decoder) {
	if !nameRE.MatchString(c.Store.Cluster) {
		d.add("store.cluster", "%q: use letters, digits, '.', '_' and '-'", c.Store.Cluster)
	}
	r := c.Store.Redis
	if r == nil {
		return
	}
	switch {
	case r.Addr == "" && len(r.Addrs) == 0:
		d.add("store.redis", "needs addr (one server) or addrs (Cluster, or Sentinel with mastername)")
	case r.Addr != "" && len(r.Addrs) > 0:
		d.add("store.redis.addrs", "give addr or addrs, not both")
	}
	if r.Addr != "" {
		if msg := checkAddr(r.Addr); msg != "" {
			d.add("store.redis.addr", "%s", msg)
		}
	}
	for i, a := range r.Addrs {
		if msg := checkAddr(a); msg != "" {
			d.add("store.redis.addrs["+strconv.Itoa(i)+"]", "%s", msg)
		}
	}
	if r.DB < 0 {
		d.add("store.redis.db", "must be 0 or more, got %d", r.DB)
	} else if r.DB != 0 && (len(r.Addrs) > 1 && r.MasterName == "" || r.ClusterMode) {
		d.add("store.redis.db", "Redis Cluster has only db 0, got %d", r.DB)
	}
	if r.WriteRate < 0 {
		d.add("store.redis.writerate", "must be 1 or more writes per second, got %d", r.WriteRate)
	}
	if r.LookupRate < 0 {
		d.add("store.redis.lookuprate", "must be 1 or more lookups per second, got %d", r.LookupRate)
	}
	if r.KeyPrefix != "" && strings.ContainsAny(r.KeyPrefix, " \t\r\n{}") {
		d.add("store.redis.keyprefix", "%q: no spaces or braces (braces are Redis Cluster hash tags)", r.KeyPrefix)
	}
}

// checkPath returns what is wrong with a URL path prefix, or "".
func checkPath(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Sprintf("must start with /, got %q", p)
	case strings.ContainsAny(p, "?#"):
		return fmt.Sprintf("must be a path without query or fragment, got %q", p)
	case strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7F }):
		return fmt.Sprintf("must not contain spaces or control characters, got %q", p)
	}
	return ""
}

func (c *Config) validateRoutes(d *decoder, names map[string]bool) {
	if len(c.Routes) == 0 {
		d.add("routes", "at least one route is required")
	}
	paths := map[string]int{}
	for i, r := range c.Routes {
		p := "routes[" + strconv.Itoa(i) + "]"
		key := strings.TrimSuffix(r.Path, "/")
		if msg := checkPath(r.Path); msg != "" {
			d.add(p+".path", "%s", msg)
		} else if first, dup := paths[key]; dup {
			d.add(p+".path", "duplicate path %q (routes[%d])", r.Path, first)
		} else {
			paths[key] = i
		}
		switch {
		case r.Balancer == "":
			d.add(p+".balancer", "required")
		case !names[r.Balancer]:
			d.add(p+".balancer", "unknown balancer %q (have: %s)", r.Balancer, strings.Join(balancerNames(c), ", "))
		}
	}
}

func balancerNames(c *Config) []string {
	var out []string
	for _, b := range c.Balancers {
		if b.Name != "" {
			out = append(out, b.Name)
		}
	}
	return out
}

func (b *Balancer) validate(d *decoder, p string) {
	if !IsLBMethod(b.LBMethod) {
		d.add(p+".lbmethod", "must be %s, got %q", LBMethodList(), b.LBMethod)
	}
	b.validateSticky(d, p)
	if b.MaxAttempts != nil && *b.MaxAttempts < 0 {
		d.add(p+".maxattempts", "must be 0 or more, got %d", *b.MaxAttempts)
	}
	for j, code := range b.FailOnStatus {
		if code < 100 || code > 599 {
			d.add(p+".failonstatus["+strconv.Itoa(j)+"]", "must be a status code 100-599, got %d", code)
		}
	}
	if b.MaxSessions < 0 {
		d.add(p+".maxsessions", "must be 1 or more, got %d", b.MaxSessions)
	}
	if h := b.HealthCheck; h != nil {
		h.validate(d, p+".healthcheck")
	}
	if len(b.Members) == 0 {
		d.add(p+".members", "at least one member is required")
	}
	urls, routes := map[string]int{}, map[string]int{}
	for j := range b.Members {
		m := &b.Members[j]
		mp := p + ".members[" + strconv.Itoa(j) + "]"
		m.validate(d, mp)
		if m.URL != "" {
			if first, dup := urls[m.URL]; dup {
				d.add(mp+".url", "duplicate member %q (members[%d])", m.URL, first)
			} else {
				urls[m.URL] = j
			}
		}
		if m.Route != "" {
			if first, dup := routes[m.Route]; dup {
				d.add(mp+".route", "duplicate route %q (members[%d])", m.Route, first)
			} else {
				routes[m.Route] = j
			}
		}
	}
	for j, m := range b.Members {
		mp := p + ".members[" + strconv.Itoa(j) + "].redirect"
		switch _, ok := routes[m.Redirect]; {
		case m.Redirect == "":
		case m.Redirect == m.Route:
			d.add(mp, "a member cannot redirect to itself")
		case !ok:
			d.add(mp, "no member of this balancer has route %q", m.Redirect)
		}
	}
	if b.StickySession != "" && b.StickyMode == "route" && len(b.Members) > 0 && len(routes) == 0 {
		d.add(p+".stickysession", "no member has a route, so no request would stick (give each member a route)")
	}
}

func (b *Balancer) validateSticky(d *decoder, p string) {
	if s := b.StickySession; s != "" {
		cookie, param, hasParam := strings.Cut(s, "|")
		if !isName(cookie) || hasParam && !isName(param) {
			d.add(p+".stickysession", "want COOKIE or COOKIE|PARAM (token characters, under %d each), got %q", maxName, s)
		}
	}
	if sep := b.StickySessionSep; !strings.EqualFold(sep, "off") && (len(sep) != 1 || sep[0] <= ' ' || sep[0] >= 0x7F) {
		d.add(p+".stickysessionsep", "must be one character or off, got %q", sep)
	}
	switch b.StickyMode {
	case StickyRoute, StickyLearn:
	case StickyInsert:
		if cookie, _ := b.StickyNames(); cookie != "" && cookie == b.StickyCookie {
			d.add(p+".stickycookie", "%q is the application's session cookie (stickysession); insert mode needs a cookie of its own", b.StickyCookie)
		}
	default:
		d.add(p+".stickymode", "must be route, insert or learn, got %q", b.StickyMode)
	}
	if b.StickyMode == StickyLearn && b.StickySession == "" {
		d.add(p+".stickysession", "learn mode needs the application's session cookie name")
	}
	if !isName(b.StickyCookie) {
		d.add(p+".stickycookie", "want a cookie name (token characters, under %d), got %q", maxName, b.StickyCookie)
	}
}

// isName reports whether s is a token (cookie or parameter name, route)
// shorter than httpd's bound.
func isName(s string) bool { return len(s) < maxName && IsToken(s) }

func (h *HealthCheck) validate(d *decoder, p string) {
	switch h.Method {
	case "GET", "HEAD", "OPTIONS", "TCP":
	default:
		d.add(p+".method", "must be GET, HEAD, OPTIONS or TCP, got %q", h.Method)
	}
	if msg := checkPath(h.URI); msg != "" {
		d.add(p+".uri", "%s", msg)
	}
	if h.Interval.D() < minCheckInterval {
		d.add(p+".interval", "must be at least %v, got %v", minCheckInterval, h.Interval.D())
	}
	if h.Passes < 1 {
		d.add(p+".passes", "must be 1 or more, got %d", h.Passes)
	}
	if h.Fails < 1 {
		d.add(p+".fails", "must be 1 or more, got %d", h.Fails)
	}
}

func (m *Member) validate(d *decoder, mp string) {
	if msg := checkMemberURL(m.URL); msg != "" {
		d.add(mp+".url", "%s", msg)
	}
	if m.Route != "" && !isName(m.Route) {
		d.add(mp+".route", "%q: use token characters (letters, digits, '-', '.', '_', …), under %d", m.Route, maxName)
	}
	if !(m.LoadFactor >= 1 && m.LoadFactor <= 100) { // also refuses NaN
		d.add(mp+".loadfactor", "must be between 1 and 100, got %v", m.LoadFactor)
	}
	if m.LBSet < 0 || m.LBSet > 99 {
		d.add(mp+".lbset", "must be between 0 and 99, got %d", m.LBSet)
	}
	for k, s := range m.Status {
		if f, ok := FlagNamed(s); !ok || f&AdminFlags == 0 {
			d.add(mp+".status["+strconv.Itoa(k)+"]", "unknown status %q (want %s)", s, adminNames())
		}
	}
	if m.Max < 0 {
		d.add(mp+".max", "must be 0 (unlimited) or more, got %d", m.Max)
	}
	if m.MaxQueue < 0 {
		d.add(mp+".maxqueue", "must be 0 or more, got %d", m.MaxQueue)
	} else if m.MaxQueue > 0 && m.Max == 0 {
		d.add(mp+".maxqueue", "needs max: requests queue only when a member has max requests in flight")
	}
}

// checkMemberURL returns what is wrong with a member URL, or "".
func checkMemberURL(s string) string {
	if s == "" {
		return "required"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Sprintf("unparsable URL %q", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("scheme must be http or https, got %q", s)
	case u.Hostname() == "":
		return fmt.Sprintf("no host in %q", s)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return fmt.Sprintf("must not carry a query or fragment: %q", s)
	case u.User != nil:
		return fmt.Sprintf("must not carry credentials: %q", redactURL(u))
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("invalid port in %q (want 1-65535)", s)
		}
	}
	return ""
}

// redactURL prints a URL without its password.
func redactURL(u *url.URL) string {
	if _, has := u.User.Password(); has {
		return u.Redacted()
	}
	return u.String()
}
