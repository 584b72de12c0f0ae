package convert

import (
	"net/url"
	"strings"

	"balancer/config"
)

// isBalancerURL reports a balancer://name URL.
func isBalancerURL(s string) bool {
	return len(s) > len("balancer://") && strings.EqualFold(s[:len("balancer://")], "balancer://")
}

// splitBalancerURL returns the name of balancer://name/sub and the path
// after it without a trailing slash ("" for none or "/").
func splitBalancerURL(s string) (name, sub string) {
	rest := s[len("balancer://"):]
	name, sub, _ = strings.Cut(rest, "/")
	if sub = strings.TrimRight(sub, "/"); sub != "" {
		sub = "/" + sub
	}
	return name, sub
}

// balancerNamed returns the balancer of that httpd name, creating it.
// httpd compares balancer names without regard to case.
func (c *converter) balancerNamed(at pos, name string) *balancer {
	key := strings.ToLower(name)
	if b := c.byKey[key]; b != nil {
		return b
	}
	yamlName := nameBadRE.ReplaceAllString(name, "-")
	if yamlName != name {
		c.warn(at, "balancer://%s is named %q here (a name uses letters, digits, '.', '_' and '-')", name, yamlName)
	}
	if yamlName == "" {
		yamlName = "cluster"
	}
	b := &balancer{at: at, key: key, httpd: "balancer://" + name, cfg: config.Balancer{Name: yamlName}}
	c.byKey[key] = b
	c.bals = append(c.bals, b)
	return b
}

// memberURL turns a worker URL into a member URL, warning about what
// changes on the way.
func (c *converter) memberURL(at pos, raw, what string) (string, bool) {
	u, note, ok := normalizeURL(raw)
	if note != "" {
		c.warn(at, "%s %s: %s", what, raw, note)
	}
	return u, ok
}

// normalizeURL turns a worker URL into a member URL: http and https as
// they are (without a trailing slash), WebSocket schemes as their HTTP
// ones, AJP and h2 changed with a note, anything else refused.
func normalizeURL(raw string) (out, note string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", "not a URL with a host: not carried over", false
	}
	if u.Hostname() == "" {
		return "", "not a URL with a host: not carried over", false
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return "", "the port must be 1 to 65535: not carried over", false
	}
	host := u.Host
	switch scheme := strings.ToLower(u.Scheme); scheme {
	case "http", "https":
		u.Scheme = scheme
	case "ws":
		u.Scheme = "http" // the balancer passes Upgrade requests through
	case "wss":
		u.Scheme = "https"
	case "h2c", "h2":
		u.Scheme = map[string]string{"h2c": "http", "h2": "https"}[scheme]
		note = "members are spoken to in HTTP/1.1: written as " + u.Scheme + "://"
	case "ajp":
		u.Scheme = "http"
		if p := u.Port(); p == "" || p == "8009" {
			host = u.Hostname()
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
			host += ":8080"
		}
		note = "the balancer speaks HTTP, not AJP: written as http://" + host + " (point it at the application server's HTTP connector; Tomcat's is on 8080 by default)"
	default:
		return "", "the " + u.Scheme + ":// scheme is not supported (members speak HTTP or HTTPS): not carried over", false
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		if note != "" {
			note += "; "
		}
		note += "a member URL has no credentials, query or fragment: they are dropped"
	}
	return u.Scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/"), note, true
}

// proxyPass handles ProxyPass, in a <Location> (URL first) or not (path
// first).
func (c *converter) proxyPass(at pos, f *frame, name string, args []string) {
	path := ""
	if f.loc != nil {
		path = f.loc.path
	} else if len(args) > 0 {
		path, args = args[0], args[1:]
	}
	if len(args) == 0 {
		c.warn(at, "%s without a URL: ignored", name)
		return
	}
	if c.firstPass == nil {
		first := at
		c.firstPass = &first
	}
	target, params := args[0], args[1:]
	if target == "!" {
		c.excludes = append(c.excludes, exclusion{at, path})
		return
	}
	if msg := badPath(path); msg != "" {
		c.warn(at, "%s %s: %s: not carried over", name, path, msg)
		return
	}
	kv, flags := splitParams(params)
	for _, fl := range flags {
		switch strings.ToLower(fl) {
		case "nocanon":
			c.warn(at, "%s %s nocanon: the balancer forwards the path as received and refuses dot-segments: check encoded paths", name, path)
		default:
			c.warn(at, "%s %s %s: the flag is not carried over", name, path, fl)
		}
	}
	if isBalancerURL(target) {
		bname, sub := splitBalancerURL(target)
		b := c.balancerNamed(at, bname)
		for _, p := range kv {
			c.balancerParam(at, b, name, p)
		}
		c.addRoute(at, f, path, b, c.cleanSub(at, name, target, sub))
		return
	}
	b := c.implicitBalancer(at, target, name)
	if b == nil {
		return
	}
	for _, p := range kv {
		if isWorkerKey(p.key) || workerReasons[p.key] != "" || p.key == "timeout" {
			c.workerParam(at, b.members[0], name, p)
		} else {
			c.balancerParam(at, b, name, p)
		}
	}
	c.addRoute(at, f, path, b, "")
}

// implicitBalancer is the one-member balancer of a ProxyPass to a plain
// URL; the same URL gets the same balancer.
func (c *converter) implicitBalancer(at pos, raw, what string) *balancer {
	u, ok := c.memberURL(at, raw, what)
	if !ok {
		return nil
	}
	if b := c.implicit[u]; b != nil {
		return b
	}
	pu, _ := url.Parse(u)
	name := nameBadRE.ReplaceAllString(strings.ReplaceAll(pu.Host, ":", "-"), "-")
	b := &balancer{at: at, key: "\x00" + u, httpd: raw, implicit: true, defined: true, cfg: config.Balancer{Name: name}}
	b.members = []*member{{at: at, raw: raw, cfg: config.Member{URL: u}}}
	c.implicit[u] = b
	c.bals = append(c.bals, b)
	return b
}

// cleanSub keeps the path after balancer://name when it can end member
// URLs, and reports it otherwise.
func (c *converter) cleanSub(at pos, what, target, sub string) string {
	if sub == "" {
		return ""
	}
	u, err := url.Parse("http://h" + sub)
	if msg := badPath(sub); msg != "" || err != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		c.warn(at, "%s %s: the path after the balancer name cannot end member URLs: dropped", what, target)
		return ""
	}
	return sub
}

// badPath says what makes p unfit for a route path, or "".
func badPath(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return "the path must start with '/'"
	case strings.ContainsAny(p, "?#"):
		return "a route is a path, without query or fragment"
	case strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "the path holds blanks or control characters"
	}
	return ""
}

// addRoute records a path → balancer mapping.
func (c *converter) addRoute(at pos, f *frame, path string, b *balancer, sub string) {
	c.routes = append(c.routes, &route{at: at, path: path, bal: b, sub: sub, vhost: f.vh})
	f.vh.routes++
}

// proxyPassReverse records ProxyPassReverse for matching at the end.
func (c *converter) proxyPassReverse(at pos, f *frame, name string, args []string) {
	path := ""
	if f.loc != nil {
		path = f.loc.path
	} else if len(args) > 0 {
		path, args = args[0], args[1:]
	}
	if len(args) == 0 {
		c.warn(at, "%s without a URL: ignored", name)
		return
	}
	c.reverses = append(c.reverses, reverseRule{at, path, args[0]})
}

// balancerMember handles BalancerMember, inside <Proxy balancer://…> or
// with the balancer URL as its first argument.
func (c *converter) balancerMember(at pos, f *frame, name string, args []string) {
	b := f.bal
	if len(args) > 0 && isBalancerURL(args[0]) {
		bname, _ := splitBalancerURL(args[0])
		b, args = c.balancerNamed(at, bname), args[1:]
	}
	if b == nil {
		c.warn(at, "%s outside <Proxy balancer://…> and without a balancer:// first argument: not carried over", name)
		return
	}
	b.defined = true
	if len(args) == 0 {
		c.warn(at, "%s without a URL: ignored", name)
		return
	}
	u, ok := c.memberURL(at, args[0], name)
	if !ok {
		return
	}
	for _, o := range b.members {
		if o.cfg.URL == u {
			c.warn(at, "%s %s: already a member of %s (%s): ignored", name, args[0], b.httpd, ref(at, o.at))
			return
		}
	}
	m := &member{at: at, raw: args[0], cfg: config.Member{URL: u}}
	kv, flags := splitParams(args[1:])
	for _, fl := range flags {
		c.warn(at, "%s %s: %q is not a key=value parameter: ignored", name, args[0], fl)
	}
	for _, p := range kv {
		c.workerParam(at, m, name, p)
	}
	b.members = append(b.members, m)
}

// proxySet handles ProxySet: balancer parameters for a balancer, worker
// parameters for a member URL (applied once members are known).
func (c *converter) proxySet(at pos, f *frame, name string, args []string) {
	target := ""
	if len(args) > 0 && strings.Contains(args[0], "://") {
		target, args = args[0], args[1:]
	}
	b, worker := f.bal, f.worker
	switch {
	case isBalancerURL(target):
		bname, _ := splitBalancerURL(target)
		b, worker = c.balancerNamed(at, bname), ""
	case target != "":
		b, worker = nil, target
	}
	kv, flags := splitParams(args)
	for _, fl := range flags {
		c.warn(at, "%s: %q is not a key=value parameter: ignored", name, fl)
	}
	switch {
	case b != nil:
		for _, p := range kv {
			c.balancerParam(at, b, name, p)
		}
	case worker != "":
		c.sets = append(c.sets, workerSet{at: at, url: worker, params: args})
	default:
		c.warn(at, "%s outside <Proxy> needs a URL first: ignored", name)
	}
}
