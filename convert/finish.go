package convert

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"balancer/config"
)

// finish settles what needs the whole file: ProxySet on member URLs,
// member checks, health checks, the route cookie recipe, routes and their
// reverse rules, subpaths, names, the manager and the listeners.
func (c *converter) finish() {
	c.applyWorkerSets()
	c.dropEmpty()
	for _, b := range c.bals {
		c.checkMembers(b)
		c.healthCheck(b)
	}
	c.applyTimeouts()
	c.applyRecipes()
	c.settleRoutes()
	c.applyReverses()
	c.out = c.listeners()
	c.managerListen = c.pickManagerListen()
	c.managerPath, _ = c.manager()
	c.applyExclusions()
	c.applySubpaths()
	c.uniqueNames()
	for _, b := range c.bals {
		if len(b.routes) == 0 {
			c.warn(b.at, "%s is not used by any ProxyPass: kept, but no route reaches it", b.httpd)
			b.notes = append(b.notes, "not used by any ProxyPass in httpd")
		}
	}
	if c.firstPass != nil && !c.preserveHost && len(c.routes) > 0 {
		c.warn(*c.firstPass, "members get the client's Host header here (as with ProxyPreserveHost On); httpd sent them the member URL's host:port")
	}
}

// pickManagerListen keeps the manager on loopback port 8081 unless a
// public listener has that port, then takes the next free one.
func (c *converter) pickManagerListen() string {
	host, port, _ := net.SplitHostPort(config.DefaultManagerListen)
	n, _ := strconv.Atoi(port)
	for ; n < 65535; n++ {
		var taken *outListener
		for i := range c.out {
			if _, p, _ := net.SplitHostPort(c.out[i].addr); p == strconv.Itoa(n) {
				taken = &c.out[i]
			}
		}
		if taken == nil {
			break
		}
		c.warn(taken.at, "port %d is the manager's default: the manager listens on the next free port", n)
	}
	return net.JoinHostPort(host, strconv.Itoa(n))
}

// applyWorkerSets applies ProxySet lines that name a member URL to every
// member with that URL.
func (c *converter) applyWorkerSets() {
	for _, s := range c.sets {
		u, _, ok := normalizeURL(s.url)
		found := false
		for _, b := range c.bals {
			for _, m := range b.members {
				if ok && m.cfg.URL == u {
					found = true
					kv, _ := splitParams(s.params)
					for _, p := range kv {
						c.workerParam(s.at, m, "ProxySet", p)
					}
				}
			}
		}
		if !found {
			c.warn(s.at, "ProxySet %s: no BalancerMember or ProxyPass has this URL: not carried over", s.url)
		}
	}
}

// dropEmpty leaves out balancers without members, and their routes.
func (c *converter) dropEmpty() {
	kept := c.bals[:0]
	for _, b := range c.bals {
		if len(b.members) > 0 {
			kept = append(kept, b)
			continue
		}
		at := b.at
		for _, r := range c.routes {
			if r.bal == b {
				at = r.at
				break
			}
		}
		if b.defined {
			c.warn(at, "%s has no member that can be carried over: left out, with its routes", b.httpd)
		} else {
			c.warn(at, "%s is never defined (no <Proxy> block or BalancerMember): left out, with its routes", b.httpd)
		}
	}
	c.bals = kept
	routes := c.routes[:0]
	for _, r := range c.routes {
		if len(r.bal.members) > 0 {
			routes = append(routes, r)
		}
	}
	c.routes = routes
}

// checkMembers drops what config would refuse: a route given twice in one
// balancer, a redirect to no member.
func (c *converter) checkMembers(b *balancer) {
	byRoute := map[string]*member{}
	for _, m := range b.members {
		r := m.cfg.Route
		if r == "" {
			continue
		}
		if o := byRoute[r]; o != nil {
			c.warn(m.at, "BalancerMember %s: route=%s is also the route of %s (%s), which alone gets its sticky sessions: dropped here", m.raw, r, o.raw, ref(m.at, o.at))
			m.cfg.Route = ""
			continue
		}
		byRoute[r] = m
	}
	if b.cfg.StickySession != "" && len(byRoute) == 0 {
		c.warn(b.at, "%s has stickysession=%s but no member has a route, so no request sticks (give each BalancerMember a route=): stickysession left out", b.httpd, b.cfg.StickySession)
		b.cfg.StickySession = ""
	}
	for _, m := range b.members {
		switch r := m.cfg.Redirect; {
		case r == "":
		case r == m.cfg.Route:
			c.warn(m.at, "BalancerMember %s redirect=%s names the member itself: dropped", m.raw, r)
			m.cfg.Redirect = ""
		case byRoute[r] == nil:
			c.warn(m.at, "BalancerMember %s redirect=%s: no member of %s has that route: dropped", m.raw, r, b.httpd)
			m.cfg.Redirect = ""
		}
	}
}

// applyTimeouts gives members httpd's ProxyTimeout (else Timeout) when
// they set no timeout of their own and it is not the default anyway.
func (c *converter) applyTimeouts() {
	d := c.proxyTimeout
	if d == 0 {
		d = c.coreTimeout
	}
	if d == 0 || d == config.DefaultTimeout {
		return
	}
	for _, b := range c.bals {
		for _, m := range b.members {
			if m.cfg.Timeout == 0 {
				m.cfg.Timeout = config.Duration(d)
			}
		}
	}
}

// applyRecipes turns httpd's route cookie recipe into insert mode on the
// balancers that read that cookie.
func (c *converter) applyRecipes() {
	for _, rc := range c.recipes {
		if !tokenRE.MatchString(rc.cookie) {
			c.warn(rc.at, "Header Set-Cookie %q: not a cookie name: not carried over", rc.cookie)
			continue
		}
		var targets, bare []*balancer
		for _, b := range c.bals {
			cookie, _, _ := strings.Cut(b.cfg.StickySession, "|")
			switch {
			case b.implicit:
			case cookie == rc.cookie:
				targets = append(targets, b)
			case cookie == "":
				bare = append(bare, b)
			}
		}
		if len(targets) == 0 && len(bare) == 1 {
			c.warn(rc.at, "no balancer has stickysession=%s, so httpd never read the cookie back; %s reads it here (stickymode insert)", rc.cookie, bare[0].httpd)
			targets = bare
		}
		if len(targets) == 0 {
			c.warn(rc.at, "the %s route cookie: no balancer has stickysession=%s: not carried over", rc.cookie, rc.cookie)
			continue
		}
		for _, b := range targets {
			b.cfg.StickyMode, b.cfg.StickyCookie = "insert", rc.cookie
			b.notes = append(b.notes, fmt.Sprintf("httpd set the %s cookie with Header (%s:%d) and read it back", rc.cookie, rc.at.file, rc.at.line))
			if cookie, _, _ := strings.Cut(b.cfg.StickySession, "|"); cookie == rc.cookie {
				b.cfg.StickySession = "" // insert mode reads its own cookie
				b.notes = append(b.notes, fmt.Sprintf("through stickysession=%s: stickymode insert does both", rc.cookie))
			}
			sep := b.cfg.StickySessionSep
			switch {
			case sep == "":
				sep = "."
			case strings.EqualFold(sep, "off"):
				sep = ""
			}
			if rc.sep != sep {
				c.warn(rc.at, "the %s cookie's value starts with %q in httpd; %s writes %q before the route (its stickysessionsep)", rc.cookie, rc.sep, b.httpd, sep)
			}
		}
	}
}

// pathKey is a route path as the balancer compares them.
func pathKey(p string) string {
	if k := strings.TrimRight(p, "/"); k != "" {
		return k
	}
	return "/"
}

// under reports whether path is at or below prefix, segment-wise.
func under(path, prefix string) bool {
	return prefix == "/" || path == prefix || strings.HasPrefix(path, prefix+"/")
}

// settleRoutes merges repeated routes, drops conflicting ones, and warns
// where httpd's first-match order differs from the longest prefix.
func (c *converter) settleRoutes() {
	var kept []*route
	byPath := map[string]*route{}
	for _, r := range c.routes {
		key := pathKey(r.path)
		if prev := byPath[key]; prev != nil {
			if prev.bal == r.bal && prev.sub == r.sub {
				continue
			}
			c.warn(r.at, "ProxyPass %s: the path is already routed to %s at %s, and routes go by path only, not by host: dropped", r.path, prev.bal.httpd, ref(r.at, prev.at))
			continue
		}
		for _, e := range kept {
			if e.vhost == r.vhost && under(key, pathKey(e.path)) {
				c.warn(r.at, "ProxyPass %s comes after ProxyPass %s (%s), which httpd matches first, so httpd never used it; here the longest prefix wins, so it applies", r.path, e.path, ref(r.at, e.at))
				break
			}
		}
		byPath[key] = r
		kept = append(kept, r)
	}
	var hosts []*vhost
	for _, r := range c.routes {
		if r.vhost != c.main && !containsVhost(hosts, r.vhost) {
			hosts = append(hosts, r.vhost)
		}
	}
	names := map[string]bool{}
	var list []string
	for _, vh := range hosts {
		if len(vh.names) > 0 && !names[vh.names[0]] {
			names[vh.names[0]] = true
			list = append(list, vh.names[0])
		}
	}
	if len(list) > 1 {
		c.warn(hosts[1].at, "routes of every <VirtualHost> are merged (%s): the balancer routes by path, not by host name", strings.Join(list, ", "))
	}
	c.routes = kept
}

func containsVhost(list []*vhost, v *vhost) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// applyReverses sets reverse on the routes ProxyPassReverse names.
func (c *converter) applyReverses() {
	for _, rv := range c.reverses {
		var r *route
		for _, x := range c.routes {
			if pathKey(x.path) == pathKey(rv.path) {
				r = x
			}
		}
		if r == nil {
			c.warn(rv.at, "ProxyPassReverse %s %s: no ProxyPass for this path: not carried over", rv.path, rv.url)
			continue
		}
		if !reverseMatches(rv.url, r) {
			c.warn(rv.at, "ProxyPassReverse %s %s: the URL is not one of %s's: reverse: true rewrites the URLs of that balancer's members", rv.path, rv.url, r.bal.httpd)
		}
		r.reverse = true
	}
}

func reverseMatches(raw string, r *route) bool {
	if isBalancerURL(raw) {
		name, _ := splitBalancerURL(raw)
		return strings.ToLower(name) == r.bal.key
	}
	u, _, ok := normalizeURL(raw)
	if !ok {
		return false
	}
	for _, m := range r.bal.members {
		if base := m.cfg.URL + r.sub; under(u, base) || under(base, u) || strings.HasPrefix(u, m.cfg.URL) {
			return true
		}
	}
	return false
}

// applyExclusions reports "ProxyPass /path !" lines that a route covers.
func (c *converter) applyExclusions() {
	for _, ex := range c.excludes {
		key := pathKey(ex.path)
		if key == c.managerPath {
			continue // the manager has its own listener
		}
		var cover *route
		for _, r := range c.routes {
			if under(key, pathKey(r.path)) && (cover == nil || len(pathKey(r.path)) > len(pathKey(cover.path))) {
				cover = r
			}
		}
		if cover == nil {
			continue
		}
		c.warn(ex.at, "ProxyPass %s !: exclusions are not supported: these requests go to %s (route %s) here, httpd served them itself", ex.path, cover.bal.httpd, cover.path)
	}
}

// applySubpaths moves the path after balancer://name into the members'
// URLs. A balancer used with two different paths is copied for the second.
func (c *converter) applySubpaths() {
	var out []*balancer
	for _, b := range c.bals {
		var subs []string
		first := map[string]*route{}
		for _, r := range c.routes {
			if r.bal != b {
				continue
			}
			if first[r.sub] == nil {
				first[r.sub] = r
				subs = append(subs, r.sub)
			}
		}
		orig := cloneMembers(b.members)
		out = append(out, b)
		for i, sub := range subs {
			t := b
			if i > 0 {
				cp := *b
				cp.members = cloneMembers(orig)
				cp.routes, cp.notes = nil, nil
				cp.cfg.Name = b.cfg.Name + "-" + strings.Trim(nameBadRE.ReplaceAllString(sub, "-"), "-")
				cp.notes = append(cp.notes, fmt.Sprintf("a copy of %s, for the path %s", b.httpd, sub))
				t = &cp
				out = append(out, t)
				r := first[sub]
				c.warn(r.at, "%s is used with the path %q here and %q at %s: this route goes to a copy of it, %s, with %s in its members' URLs (the copies keep separate load counters)", b.httpd, sub, subs[0], ref(r.at, first[subs[0]].at), cp.cfg.Name, sub)
			}
			for _, m := range t.members {
				m.cfg.URL += sub
			}
			if sub != "" && i == 0 {
				t.notes = append(t.notes, fmt.Sprintf("members' URLs end with %s, the path after %s in ProxyPass", sub, b.httpd))
			}
			for _, r := range c.routes {
				if r.bal == b && r.sub == sub {
					r.bal = t
					t.routes = append(t.routes, r)
				}
			}
		}
	}
	c.bals = out
}

func cloneMembers(ms []*member) []*member {
	out := make([]*member, len(ms))
	for i, m := range ms {
		cp := *m
		out[i] = &cp
	}
	return out
}

// uniqueNames gives every balancer its own YAML name.
func (c *converter) uniqueNames() {
	used := map[string]bool{}
	for _, b := range c.bals {
		name := b.cfg.Name
		n := name
		for i := 2; used[n]; i++ {
			n = fmt.Sprintf("%s-%d", name, i)
		}
		if n != name && !b.implicit {
			c.warn(b.at, "%s: the name %s is taken: named %s", b.httpd, name, n)
		}
		b.cfg.Name = n
		used[n] = true
	}
}
