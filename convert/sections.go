package convert

import (
	"fmt"
	"strings"
)

// frame is an open section; each copies its parent's context and narrows
// it.
type frame struct {
	name   string // the tag as written
	tag    string // lower-cased
	at     pos
	skip   string // non-empty: the contents are not carried over, and why
	silent bool   // skipped without warnings (<IfModule !mod>)
	vh     *vhost
	bal    *balancer // <Proxy balancer://…>
	worker string    // <Proxy http://…>: ProxySet applies to this member URL
	loc    *location
}

// top is the innermost open section, or the main server.
func (c *converter) top() *frame {
	if len(c.stack) == 0 {
		return &c.root
	}
	return c.stack[len(c.stack)-1]
}

// transparent sections hold directives that apply as if written outside:
// the modules they test for are those a balancer setup loads.
var transparent = map[string]bool{
	"ifmodule": true, "ifversion": true, "iffile": true, "ifdirective": true, "ifsection": true,
	"requireall": true, "requireany": true, "requirenone": true, "limit": true, "limitexcept": true,
}

// open starts a section.
func (c *converter) open(at pos, text string) {
	inner := text[1:]
	if i := strings.LastIndexByte(inner, '>'); i >= 0 {
		inner = inner[:i]
	} else {
		c.warn(at, "section line has no closing '>'")
	}
	ws := words(inner)
	if len(ws) == 0 {
		c.warn(at, "empty section tag: ignored")
		return
	}
	parent := c.top()
	f := *parent
	args := ws[1:]
	f.name, f.tag, f.at = ws[0], strings.ToLower(ws[0]), at
	arg := ""
	if len(args) > 0 {
		arg = args[0]
	}
	c.stack = append(c.stack, &f)
	if f.skip != "" || transparent[f.tag] && !strings.HasPrefix(arg, "!") {
		return
	}
	switch f.tag {
	case "ifmodule":
		// Contents that apply only without a module: a balancer setup
		// has the proxy modules, so these never applied.
		f.skip, f.silent = "inside <IfModule "+arg+">", true
	case "ifdefine":
		name := strings.TrimPrefix(arg, "!")
		_, defined := c.defs[name]
		if defined == strings.HasPrefix(arg, "!") {
			if defined {
				f.skip = fmt.Sprintf("inside <IfDefine %s>, and the file defines %s", arg, name)
			} else {
				f.skip = fmt.Sprintf("inside <IfDefine %s>, which the file does not define (httpd -D %s would)", arg, name)
			}
		}
	case "virtualhost":
		if parent.vh != c.main {
			c.warn(at, "<VirtualHost> inside <VirtualHost>: read as a separate virtual host")
		}
		f.vh = c.virtualHost(at, args)
	case "location":
		if arg == "" {
			f.skip = "inside <Location> without a path"
			break
		}
		f.loc = &location{at: at, path: arg}
		c.locs = append(c.locs, f.loc)
	case "proxy":
		c.proxySection(&f, at, arg)
	case "macro":
		f.skip = "inside <Macro " + arg + ">"
		c.warn(at, "<Macro %s>: mod_macro bodies are not expanded, so what Use makes of them is not carried over", arg)
	default:
		f.skip = fmt.Sprintf("inside <%s %s>", f.name, strings.Join(args, " "))
		if len(args) == 0 {
			f.skip = fmt.Sprintf("inside <%s>", f.name)
		}
	}
}

// close ends the innermost section named by text; base is the depth at
// which the current file started (httpd does not let sections span files).
func (c *converter) close(at pos, text string, base int) {
	tag := strings.ToLower(strings.Trim(text[2:], "> \t"))
	for i := len(c.stack) - 1; i >= base; i-- {
		if c.stack[i].tag != tag {
			continue
		}
		if i != len(c.stack)-1 {
			open := c.stack[len(c.stack)-1]
			c.warn(at, "</%s> closes <%s> while <%s> (line %d) is still open: both closed here", strings.Trim(text[2:], "> \t"), c.stack[i].name, open.name, open.at.line)
		}
		c.stack = c.stack[:i]
		return
	}
	if f := c.top(); f.silent {
		return
	}
	c.warn(at, "%s without a matching opening section: ignored", text)
}

// proxySection starts <Proxy URL>: a balancer's block, or a worker's.
func (c *converter) proxySection(f *frame, at pos, arg string) {
	switch {
	case isBalancerURL(arg):
		name, sub := splitBalancerURL(arg)
		if sub != "" {
			c.warn(at, "<Proxy %s>: the path after the balancer name is ignored (httpd ignores it too)", arg)
		}
		f.bal = c.balancerNamed(at, name)
		f.bal.defined = true
	case arg == "*" || arg == "":
		// Access control of the (forward) proxy: nothing of the balancer's.
	default:
		f.worker = arg
	}
}
