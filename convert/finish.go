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
	var mgr *location
	c.managerPath, mgr = c.manager()
	c.locationAccess(mgr)
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
		if !config.IsToken(rc.cookie) {
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
			b.cfg.StickyMode, b.cfg.StickyCookie = config.StickyInsert, rc.cookie
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
