package convert

import (
	"strings"

	"balancer/config"
)

// setHandler handles SetHandler: balancer-manager in a <Location> becomes
// the manager's path; the rest is judged where it stands.
func (c *converter) setHandler(at pos, f *frame, name string, args []string) {
	if len(args) == 0 {
		return
	}
	h := strings.ToLower(args[0])
	switch {
	case strings.HasPrefix(h, "proxy:"):
		c.warn(at, "%s %s: handler-based proxying is not carried over (ProxyPass is what becomes a route)", name, args[0])
	case f.loc == nil && (h == "balancer-manager" || h == "server-status"):
		c.warn(at, "%s %s outside <Location>: not carried over", name, args[0])
	case h == "balancer-manager":
		f.loc.handler, f.loc.handAt = h, at
	case h == "server-status":
		c.warn(at, "%s server-status (<Location %s>) is not carried over: the manager listener serves /metrics (Prometheus) and the JSON API", name, f.loc.path)
	}
}

// access records Require, Allow, Deny and the Auth directives of a
// <Location> (judged at the end, once its handler is known), and warns
// about access control on a balancer, which is not carried over.
func (c *converter) access(at pos, f *frame, name string, args []string) {
	lname := strings.ToLower(name)
	if f.loc != nil {
		if lname == "authuserfile" && len(args) > 0 {
			f.loc.userFile = args[0]
		}
		f.loc.access = append(f.loc.access, directive{at, name, args})
		return
	}
	if f.bal == nil {
		return
	}
	line := strings.ToLower(strings.Join(append([]string{name}, args...), " "))
	switch line {
	case "require all granted", "allow from all", "order allow,deny", "order deny,allow":
		return
	}
	if lname == "require" || lname == "allow" || lname == "deny" {
		c.warn(at, "%s %s in <Proxy %s>: client access control is not carried over (restrict clients in front of the balancer)", name, strings.Join(args, " "), f.bal.httpd)
	}
}

// isLoopback reports host or address words that mean this machine only.
func isLoopback(words []string) bool {
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		w = strings.ToLower(w)
		if !(w == "localhost" || w == "::1" || strings.HasPrefix(w, "127.")) {
			return false
		}
	}
	return true
}

// manager settles manager.path from the balancer-manager <Location> and
// says what of its access control is not carried over.
func (c *converter) manager() (path string, loc *location) {
	for _, l := range c.locs {
		if l.handler != "balancer-manager" {
			continue
		}
		if loc != nil {
			c.warn(l.handAt, "a second balancer-manager location (%s): the manager has one path, %s", l.path, loc.path)
			continue
		}
		loc = l
	}
	if loc == nil {
		return config.DefaultManagerPath, nil
	}
	path = strings.TrimRight(loc.path, "/")
	if path == "" {
		path = "/"
	}
	if msg := badPath(path); msg != "" {
		c.warn(loc.handAt, "balancer-manager at <Location %s>: %s: the manager keeps its default path, %s", loc.path, msg, config.DefaultManagerPath)
		path = config.DefaultManagerPath
	}
	listen := c.managerListen
	for _, d := range loc.access {
		args := strings.Join(d.args, " ")
		kind := ""
		if len(d.args) > 0 {
			kind = strings.ToLower(d.args[0])
		}
		switch strings.ToLower(d.name) {
		case "require":
			c.requireWarning(d, kind, args, listen, loc.userFile)
		case "allow":
			if kind == "from" && !isLoopback(d.args[1:]) && strings.ToLower(args) != "from all" {
				c.warn(d.at, "%s %s: not carried over: the manager listens on loopback (%s) by default; to reach it from those clients, set manager.listen to a private address and configure manager.auth", d.name, args, listen)
			}
		}
	}
	return path, loc
}

// requireWarning judges one Require line of the manager's <Location>.
func (c *converter) requireWarning(d directive, kind, args, listen, userFile string) {
	switch kind {
	case "local":
		// The manager's own listener is on loopback: the same effect.
	case "ip", "host", "forward-dns":
		if isLoopback(d.args[1:]) {
			c.warn(d.at, "%s %s: not carried over as such: the manager listens on loopback (%s) by default, which keeps it as local", d.name, args, listen)
			return
		}
		c.warn(d.at, "%s %s: not carried over: the manager listens on loopback (%s) by default; to reach it from those clients, set manager.listen to a private address and configure manager.auth", d.name, args, listen)
	case "valid-user", "user", "group", "ldap-user", "ldap-group", "ldap-filter", "ldap-dn", "ldap-attribute", "file-owner", "file-group", "dbd-group":
		msg := "%s %s: configure manager.auth.users, each with a bcrypt hash (htpasswd -nbB NAME PASSWORD makes one)"
		if userFile != "" {
			c.warn(d.at, msg+"; the $2y$ entries of AuthUserFile %s can be copied", d.name, args, userFile)
			return
		}
		c.warn(d.at, msg, d.name, args)
	case "all":
		if len(d.args) > 1 && strings.EqualFold(d.args[1], "denied") {
			c.warn(d.at, "%s %s: the manager was closed in httpd; here it listens on loopback (%s) (manager.readonly: true forbids edits)", d.name, args, listen)
			return
		}
		c.warn(d.at, "%s %s: the manager was open to every client in httpd; here it listens on loopback (%s) only", d.name, args, listen)
	default:
		c.warn(d.at, "%s %s is not carried over: the manager listens on loopback (%s) by default and takes manager.auth", d.name, args, listen)
	}
}

// locationAccess reports access control on locations that routes cover:
// the balancer lets every client through to its members.
func (c *converter) locationAccess(mgr *location) {
	for _, l := range c.locs {
		if l == mgr || !c.routed(l.path) {
			continue
		}
		for _, d := range l.access {
			line := strings.ToLower(strings.Join(append([]string{d.name}, d.args...), " "))
			switch {
			case line == "require all granted", line == "allow from all", strings.HasPrefix(line, "order "):
			case strings.EqualFold(d.name, "require"), strings.EqualFold(d.name, "allow"), strings.EqualFold(d.name, "deny"):
				c.warn(d.at, "%s %s in <Location %s>: client access control is not carried over (restrict clients in front of the balancer or in the application)", d.name, strings.Join(d.args, " "), l.path)
			}
		}
	}
}

// routed reports whether a route covers path.
func (c *converter) routed(path string) bool {
	key := pathKey(path)
	for _, r := range c.routes {
		if under(key, pathKey(r.path)) || under(pathKey(r.path), key) {
			return true
		}
	}
	return false
}
