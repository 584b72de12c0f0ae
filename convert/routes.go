package convert

import (
	"fmt"
	"strings"
)

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
