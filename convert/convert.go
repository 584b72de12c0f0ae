package convert

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// maxIncludeDepth and maxFiles bound Include: httpd refuses deeper nesting
// too, and a glob over a large tree is a mistake, not a configuration.
const (
	maxIncludeDepth = 16
	maxFiles        = 512
)

// HTTPD converts the httpd configuration read from r into balancer YAML.
// name is the file's path: it names the file in warnings and in the YAML
// header, and Include directives are followed when their files are found
// relative to its directory. The YAML is returned even when warnings say
// parts of the configuration were not carried over; err is set only when
// r cannot be read or the configuration has nothing to convert (no
// balancer and no ProxyPass).
func HTTPD(r io.Reader, name string) (yamlText []byte, warnings []Warning, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	c := newConverter(name)
	c.file(name, string(data), 0)
	c.finish()
	if len(c.bals) == 0 || len(c.routes) == 0 {
		msg := "no ProxyPass to a balancer:// or http:// URL: nothing to convert"
		if len(c.bals) == 0 {
			msg = "no balancer:// and no ProxyPass: nothing to convert"
		}
		return nil, c.sorted(), fmt.Errorf("%s: %s", name, msg)
	}
	out := c.emit()
	c.validate(out)
	return out, c.sorted(), nil
}

// converter holds what has been read so far.
type converter struct {
	name  string // the main file as given
	dir   string // its directory, the root Include may read below
	defs  map[string]string
	seq   int
	files int
	warns []warning
	stack []*frame
	root  frame

	bals     []*balancer
	byKey    map[string]*balancer
	implicit map[string]*balancer // single-URL ProxyPass targets by URL
	routes   []*route
	main     *vhost
	vhosts   []*vhost
	listens  []*listen
	locs     []*location
	sets     []workerSet
	reverses []reverseRule
	excludes []exclusion
	recipes  []recipe
	hcExprs  map[string]string
	hcTpls   map[string][]string

	proxyTimeout time.Duration
	coreTimeout  time.Duration
	timeoutAt    pos
	preserveHost bool
	firstPass    *pos
	persist      bool
	rewriteConds []pos

	accessLog   string
	idleTimeout time.Duration
	maxBody     int64
	graceTime   time.Duration

	managerPath   string
	managerListen string
	out           []outListener
}

// warning is a Warning with its rank, so that warnings print in the order
// of the directives they are about.
type warning struct {
	Warning
	seq int
}

func newConverter(name string) *converter {
	c := &converter{
		name:     name,
		dir:      filepath.Dir(name),
		defs:     map[string]string{},
		byKey:    map[string]*balancer{},
		implicit: map[string]*balancer{},
		hcExprs:  map[string]string{},
		hcTpls:   map[string][]string{},
	}
	c.main = &vhost{at: pos{file: name}}
	c.root = frame{vh: c.main}
	return c
}

// warn records a warning about the directive at at.
func (c *converter) warn(at pos, format string, args ...any) {
	file := at.file
	if file == "" {
		file = c.name
	}
	seq := at.seq
	if at.line == 0 {
		seq = 1 << 30 // about the whole file: after the others
	}
	c.warns = append(c.warns, warning{Warning{File: file, Line: at.line, Msg: fmt.Sprintf(format, args...)}, seq})
}

// sorted returns the warnings in directive order, each once.
func (c *converter) sorted() []Warning {
	sort.SliceStable(c.warns, func(i, j int) bool { return c.warns[i].seq < c.warns[j].seq })
	out := make([]Warning, 0, len(c.warns))
	seen := map[Warning]bool{}
	for _, w := range c.warns {
		if !seen[w.Warning] {
			seen[w.Warning] = true
			out = append(out, w.Warning)
		}
	}
	return out
}

// file reads one configuration file's directives.
func (c *converter) file(name, data string, depth int) {
	c.files++
	base := len(c.stack)
	for _, l := range logicalLines(data) {
		c.seq++
		at := pos{file: name, line: l.line, seq: c.seq}
		text := l.text
		if f := c.top(); !f.silent {
			var missing []string
			text, missing = substitute(text, c.defs)
			if ws := words(text); len(missing) > 0 && len(ws) > 0 && (text[0] == '<' || relevant(strings.ToLower(ws[0]))) {
				for _, m := range missing {
					c.warn(at, "${%s} is not defined in the file (httpd takes it from Define or the environment): kept as written", m)
				}
			}
		}
		switch {
		case strings.HasPrefix(text, "</"):
			c.close(at, text, base)
		case strings.HasPrefix(text, "<"):
			c.open(at, text)
		default:
			c.directive(at, text, depth)
		}
	}
	for len(c.stack) > base {
		f := c.stack[len(c.stack)-1]
		c.warn(f.at, "<%s> is not closed in this file: closed at its end", f.name)
		c.stack = c.stack[:len(c.stack)-1]
	}
}

// directive handles one line that is not a section tag.
func (c *converter) directive(at pos, text string, depth int) {
	ws, cut := cutComment(words(text))
	if len(ws) == 0 {
		return
	}
	name, args := strings.ToLower(ws[0]), ws[1:]
	f := c.top()
	if f.skip != "" {
		if !f.silent && relevant(name) {
			c.warn(at, "%s %s: not carried over", ws[0], f.skip)
		}
		return
	}
	if cut && relevant(name) {
		c.warn(at, "%s: the text after '#' is read as a comment (httpd takes it as more arguments)", ws[0])
	}
	if !c.dispatch(at, f, name, ws[0], args, depth) && relevant(name) {
		c.warn(at, "%s is not carried over", ws[0])
	}
}

// relevant reports whether a directive bears on proxying, so that leaving
// it out deserves a warning; everything else is ignored silently.
func relevant(name string) bool {
	for _, p := range []string{"proxy", "balancer", "sslproxy"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	switch name {
	case "header", "requestheader", "rewriterule", "sethandler", "listen", "include", "includeoptional",
		"sslengine", "sslcertificatefile", "sslcertificatekeyfile", "use":
		return true
	}
	return false
}
