package convert

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// dispatch handles one directive and reports whether it knew it.
func (c *converter) dispatch(at pos, f *frame, lname, name string, args []string, depth int) bool {
	arg := ""
	if len(args) > 0 {
		arg = args[0]
	}
	switch lname {
	case "include", "includeoptional":
		c.include(at, name, args, depth)
	case "define":
		if arg != "" {
			c.defs[arg] = strings.Join(args[1:], " ")
		}
	case "undefine":
		delete(c.defs, arg)
	case "listen":
		c.listenDirective(at, name, args)
	case "servername", "serveralias":
		f.vh.names = append(f.vh.names, args...)
	case "proxypass":
		c.proxyPass(at, f, name, args)
	case "proxypassreverse":
		c.proxyPassReverse(at, f, name, args)
	case "proxypassmatch":
		c.warn(at, "%s is not carried over: routes are path prefixes, not regular expressions", name)
	case "proxypassreversecookiepath":
		c.warn(at, "%s %s: approximated: a route with reverse: true rewrites cookie paths from the member's path to the route's", name, strings.Join(args, " "))
	case "balancermember":
		c.balancerMember(at, f, name, args)
	case "proxyset":
		c.proxySet(at, f, name, args)
	case "proxyhcexpr":
		c.hcExpr(at, name, args)
	case "proxyhctemplate":
		c.hcTemplate(at, name, args)
	case "proxytimeout", "timeout":
		d, err := parseDuration(arg, time.Second)
		if err != nil {
			c.warn(at, "%s %s: %v: not carried over", name, arg, err)
			break
		}
		if lname == "timeout" {
			c.coreTimeout = d
		} else {
			if c.proxyTimeout != 0 && c.proxyTimeout != d {
				c.warn(at, "%s %s: a second value (the first was %s at %s): this one is used for every member", name, arg, goDuration(c.proxyTimeout), ref(at, c.timeoutAt))
			}
			c.proxyTimeout, c.timeoutAt = d, at
		}
	case "proxypreservehost":
		c.preserveHost = strings.EqualFold(arg, "on")
	case "proxyrequests":
		if strings.EqualFold(arg, "on") {
			c.warn(at, "%s On: forward proxying is not supported (and an open proxy is dangerous): not carried over", name)
		}
	case "proxyvia", "proxyerroroverride":
		if !strings.EqualFold(arg, "off") {
			c.warn(at, "%s %s is not carried over", name, arg)
		}
	case "proxyaddheaders":
		if strings.EqualFold(arg, "off") {
			c.warn(at, "%s Off is not carried over: the balancer always adds X-Forwarded-For, -Host and -Proto", name)
		}
	case "proxystatus", "proxyhctpsize", "balancerinherit", "proxypassinherit", "proxywebsocketfallbacktoproxyhttp":
		// Nothing to carry: status is always shown, checks are goroutines,
		// and there is one scope.
	case "balancerpersist":
		c.persist = strings.EqualFold(arg, "on")
	case "balancergrowth":
		c.warn(at, "%s is not needed: members are added from the manager without spare slots", name)
	case "sethandler":
		c.setHandler(at, f, name, args)
	case "require", "allow", "deny", "order", "satisfy", "authtype", "authname", "authuserfile", "authbasicprovider", "authgroupfile":
		c.access(at, f, name, args)
	case "header":
		c.header(at, name, args)
	case "requestheader":
		if len(args) >= 2 && strings.EqualFold(args[1], "X-Forwarded-Proto") || len(args) >= 3 && strings.EqualFold(args[2], "X-Forwarded-Proto") {
			c.warn(at, "%s %s is not carried over: the balancer sets X-Forwarded-Proto itself (https on TLS listeners)", name, strings.Join(args, " "))
			break
		}
		c.warn(at, "%s %s is not carried over: request headers are passed as they come, with X-Forwarded-* added", name, strings.Join(args, " "))
	case "rewritecond":
		c.rewriteConds = append(c.rewriteConds, at)
	case "rewriterule":
		c.rewriteRule(at, f, name, args)
	case "redirect", "redirectpermanent", "redirecttemp", "redirectmatch":
		c.redirect(at, f, name, args)
	case "sslengine", "sslcertificatefile", "sslcertificatekeyfile", "sslcertificatechainfile", "sslprotocol",
		"sslciphersuite", "sslhonorcipherorder", "sslopensslconfcmd", "sslproxyengine", "sslproxyverify",
		"sslproxycheckpeername", "sslproxycheckpeercn", "sslproxycheckpeerexpire", "sslproxycacertificatefile",
		"sslproxycacertificatepath", "sslproxymachinecertificatefile", "sslproxymachinecertificatepath":
		c.sslDirective(at, f, name, args)
	case "customlog", "transferlog":
		c.customLog(at, f, name, args)
	case "keepalivetimeout", "gracefulshutdowntimeout":
		d, err := parseDuration(arg, time.Second)
		if err != nil {
			c.warn(at, "%s %s: %v: not carried over", name, arg, err)
			break
		}
		if lname == "keepalivetimeout" {
			c.idleTimeout = d
		} else if d == 0 {
			c.warn(at, "%s 0 waits without end in httpd: not carried over (gracetime stays 30s)", name)
		} else {
			c.graceTime = d
		}
	case "limitrequestbody":
		n, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || n < 0 {
			c.warn(at, "%s %s: not a byte count: not carried over", name, arg)
			break
		}
		if f.loc != nil || f.bal != nil || f.vh != c.main {
			c.warn(at, "%s %s: inside a section: written as the global limits.maxbodysize", name, arg)
		}
		c.maxBody = n
	case "documentroot", "alias", "aliasmatch", "scriptalias":
		c.warn(at, "%s %s is not carried over: the balancer serves no files, requests outside its routes get 404", name, strings.Join(args, " "))
	case "use":
		c.warn(at, "%s %s: mod_macro is not expanded: not carried over", name, strings.Join(args, " "))
	default:
		return false
	}
	return true
}

// header handles Header: the route-cookie recipe makes insert mode, any
// other response header edit is reported.
func (c *converter) header(at pos, name string, args []string) {
	a := args
	if len(a) > 0 && (strings.EqualFold(a[0], "always") || strings.EqualFold(a[0], "onsuccess")) {
		a = a[1:]
	}
	if len(a) >= 3 && strings.EqualFold(a[1], "Set-Cookie") && strings.Contains(a[2], "%{BALANCER_WORKER_ROUTE}e") {
		switch strings.ToLower(a[0]) {
		case "add", "set", "append", "merge", "setifempty":
			cookie, rest, _ := strings.Cut(a[2], "=")
			sep, _, _ := strings.Cut(rest, "%{BALANCER_WORKER_ROUTE}e")
			c.recipes = append(c.recipes, recipe{at: at, cookie: strings.TrimSpace(cookie), sep: sep})
			return
		}
	}
	c.warn(at, "%s %s is not carried over: the balancer does not edit response headers", name, strings.Join(args, " "))
}

// rewriteRule carries over the two common mod_rewrite uses in front of a
// cluster: a whole-host redirect to https, and "^/prefix(.*)$ URL$1 [P]".
func (c *converter) rewriteRule(at pos, f *frame, name string, args []string) {
	conds := c.rewriteConds
	c.rewriteConds = nil
	if len(args) < 2 {
		c.warn(at, "%s needs a pattern and a target: ignored", name)
		return
	}
	pattern, target := args[0], args[1]
	flags := map[string]bool{}
	if len(args) > 2 {
		for _, fl := range strings.Split(strings.Trim(args[2], "[]"), ",") {
			k, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(fl)), "=")
			flags[k] = true
		}
	}
	lt := strings.ToLower(target)
	if (flags["r"] || flags["redirect"]) && (strings.HasPrefix(lt, "https://%{http_host}") || strings.HasPrefix(lt, "https://%{server_name}")) && f.vh != c.main && f.loc == nil {
		f.vh.redirect = true
		return
	}
	if !flags["p"] && !flags["proxy"] {
		c.warn(at, "%s %s %s is not carried over: routes are path prefixes, and paths are not rewritten", name, pattern, target)
		return
	}
	prefix, ok := literalPrefix(pattern)
	if !ok || !strings.HasSuffix(target, "$1") {
		c.warn(at, "%s %s %s [P]: only \"^/prefix(.*)$ URL$1 [P]\" becomes a route: not carried over", name, pattern, target)
		return
	}
	for _, cond := range conds {
		c.warn(cond, "RewriteCond before %s %s: conditions are not carried over: the route applies to every request", name, pattern)
	}
	path := strings.TrimRight(prefix, "/")
	if path == "" {
		path = "/"
	}
	if msg := badPath(path); msg != "" {
		c.warn(at, "%s %s: %s: not carried over", name, pattern, msg)
		return
	}
	to := strings.TrimSuffix(target, "$1")
	if isBalancerURL(to) {
		bname, sub := splitBalancerURL(to)
		c.addRoute(at, f, path, c.balancerNamed(at, bname), c.cleanSub(at, name, to, sub))
		return
	}
	if b := c.implicitBalancer(at, to, name); b != nil {
		c.addRoute(at, f, path, b, "")
	}
}

// literalPrefix reads "^/prefix(.*)$" (the "$" optional) and returns the
// prefix, which must hold no other regular-expression syntax.
func literalPrefix(pattern string) (string, bool) {
	p, ok := strings.CutPrefix(pattern, "^")
	if !ok {
		return "", false
	}
	p = strings.TrimSuffix(p, "$")
	p, ok = strings.CutSuffix(p, "(.*)")
	if !ok || strings.ContainsAny(p, `.*+?()[]{}|\^$`) {
		return "", false
	}
	if p != "" && !strings.HasPrefix(p, "/") {
		return "", false
	}
	return p, true
}

// customLog handles CustomLog: the first becomes the access log.
func (c *converter) customLog(at pos, f *frame, name string, args []string) {
	if len(args) == 0 {
		return
	}
	path, format := args[0], "common"
	if strings.EqualFold(name, "customlog") && len(args) > 1 {
		format = args[1]
	}
	switch {
	case c.accessLog != "":
		c.warn(at, "%s %s: one access log here (%s): not carried over", name, path, c.accessLog)
		return
	case strings.HasPrefix(path, "|"):
		c.warn(at, "%s %s: piped logs are not supported (log to a file or stderr and rotate it, the balancer reopens it on SIGUSR1): not carried over", name, path)
		return
	case strings.Contains(path, "${"):
		c.warn(at, "%s %s: the path names a variable that is not defined in the file: not carried over", name, path)
		return
	}
	c.accessLog = path
	if !filepath.IsAbs(path) {
		c.warn(at, "%s %s: a relative path is relative to the balancer's working directory, not ServerRoot", name, path)
	}
	if format != "combined" {
		c.warn(at, "%s %s %s: written in the combined format (the access log is combined or json)", name, path, format)
	}
	if len(args) > 2 {
		c.warn(at, "%s %s %s: the condition is not carried over: every request is logged", name, path, args[2])
	}
}
