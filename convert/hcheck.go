package convert

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"balancer/config"
)

// hcDefaultInterval is mod_proxy_hcheck's hcinterval default (ours is 5s,
// so it is written out).
const hcDefaultInterval = 30 * time.Second

// hcParam applies one mod_proxy_hcheck parameter to m.
func (c *converter) hcParam(at pos, m *member, what string, p param) {
	bad := func(rule string) {
		c.warn(at, "%s %s=%s: %s: not carried over", what, p.key, p.val, rule)
	}
	switch p.key {
	case "hcmethod":
		v := strings.ToUpper(p.val)
		switch v {
		case "NONE", "TCP", "GET", "HEAD", "OPTIONS", "GET11", "HEAD11", "OPTIONS11", "CPING":
			m.hc.method = v
		default:
			bad("want None, TCP, GET, HEAD or OPTIONS")
		}
	case "hcuri":
		uri, query, _ := strings.Cut(p.val, "?")
		if strings.ContainsFunc(uri, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' }) {
			bad("holds blanks or control characters")
			return
		}
		if query != "" {
			c.warn(at, "%s %s=%s: the health check requests a path without query: ?%s is dropped", what, p.key, p.val, query)
		}
		m.hc.uri = uri
	case "hcinterval":
		d, ok := c.duration(at, what, p, time.Second)
		if ok && d < 100*time.Millisecond {
			bad("must be at least 100ms")
			return
		}
		if ok {
			m.hc.interval = d
		}
	case "hcpasses", "hcfails":
		n, err := strconv.Atoi(p.val)
		if err != nil || n < 1 {
			bad("must be a whole number, 1 or more")
			return
		}
		if p.key == "hcpasses" {
			m.hc.passes = n
		} else {
			m.hc.fails = n
		}
	case "hcexpr":
		m.hc.expr = p.val
	case "hctemplate":
		tpl, ok := c.hcTpls[strings.ToLower(p.val)]
		if !ok {
			bad("no ProxyHCTemplate of that name before this line")
			return
		}
		kv, _ := splitParams(tpl)
		for _, q := range kv {
			if q.key == "hctemplate" {
				// A template naming a template would never end.
				c.warn(at, "%s (ProxyHCTemplate %s) hctemplate=%s: a template cannot name another: ignored", what, p.val, q.val)
				continue
			}
			c.hcParam(at, m, what+" (ProxyHCTemplate "+p.val+")", q)
		}
	}
}

// hcTemplate handles ProxyHCTemplate name key=value….
func (c *converter) hcTemplate(at pos, name string, args []string) {
	if len(args) < 1 {
		c.warn(at, "%s without a name: ignored", name)
		return
	}
	c.hcTpls[strings.ToLower(args[0])] = args[1:]
}

// hcExpr handles ProxyHCExpr name {expression}.
func (c *converter) hcExpr(at pos, name string, args []string) {
	if len(args) < 2 {
		c.warn(at, "%s needs a name and an expression: ignored", name)
		return
	}
	expr := strings.TrimSpace(strings.Join(args[1:], " "))
	expr = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(expr, "{"), "}"))
	c.hcExprs[strings.ToLower(args[0])] = expr
}

// hcSpec is the part of a member's check that a balancer's healthcheck
// has, with httpd's defaults filled in so that equal checks compare equal.
type hcSpec struct {
	method   string
	uri      string
	expr     string
	interval time.Duration
	passes   int
	fails    int
}

func (m *member) hcSpec() (hcSpec, bool) {
	h := m.hc
	method := strings.TrimSuffix(h.method, "11")
	if method == "" || method == "NONE" {
		return hcSpec{}, false
	}
	s := hcSpec{method: method, uri: h.uri, expr: h.expr, interval: h.interval, passes: max(h.passes, 1), fails: max(h.fails, 1)}
	if s.interval == 0 {
		s.interval = hcDefaultInterval
	}
	if s.uri != "" && !strings.HasPrefix(s.uri, "/") {
		s.uri = "/" + s.uri
	}
	return s, true
}

func (s hcSpec) String() string {
	out := "hcmethod=" + s.method
	if s.uri != "" {
		out += " hcuri=" + s.uri
	}
	out += " hcinterval=" + goDuration(s.interval)
	out += fmt.Sprintf(" hcpasses=%d hcfails=%d", s.passes, s.fails)
	if s.expr != "" {
		out += " hcexpr=" + s.expr
	}
	return out
}

// healthCheck makes a balancer's one healthcheck from its members' checks,
// warning where members differ, since every member of a balancer is
// checked alike here.
func (c *converter) healthCheck(b *balancer) {
	var order []hcSpec
	count := map[hcSpec]int{}
	for _, m := range b.members {
		if s, ok := m.hcSpec(); ok {
			if count[s] == 0 {
				order = append(order, s)
			}
			count[s]++
		}
	}
	if len(order) == 0 {
		return
	}
	best := order[0]
	for _, s := range order[1:] {
		if count[s] > count[best] {
			best = s
		}
	}
	for _, m := range b.members {
		s, ok := m.hcSpec()
		switch {
		case !ok:
			c.warn(m.at, "BalancerMember %s has no health check in httpd, but every member of %s is checked here (%s)", m.raw, b.httpd, best)
		case s != best:
			c.warn(m.at, "BalancerMember %s: its health check (%s) differs from the other members'; every member of %s is checked with %s", m.raw, s, b.httpd, best)
		}
		if m.hc.method == "CPING" {
			c.warn(m.at, "BalancerMember %s hcmethod=CPING (AJP): written as method: TCP (connect only)", m.raw)
		}
	}
	hc := &config.HealthCheck{Method: best.method, URI: best.uri, Interval: config.Duration(best.interval)}
	if hc.Method == "CPING" {
		hc.Method = "TCP"
	}
	if best.passes > 1 {
		hc.Passes = best.passes
	}
	if best.fails > 1 {
		hc.Fails = best.fails
	}
	if best.expr != "" {
		at := firstWithExpr(b, best.expr)
		expr, ok := c.hcExprs[strings.ToLower(best.expr)]
		switch ranges, approx := statusRanges(expr); {
		case !ok:
			c.warn(at, "hcexpr=%s names no ProxyHCExpr: the check accepts 200-399", best.expr)
		case approx:
			hc.Expect = ranges
			c.warn(at, "hcexpr=%s {%s}: only the status is checked: written as expect: %q", best.expr, expr, formatRanges(ranges))
		default:
			c.warn(at, "hcexpr=%s {%s} is not carried over: the check looks at the status only and accepts 200-399", best.expr, expr)
		}
	}
	b.cfg.HealthCheck = hc
}

func firstWithExpr(b *balancer, expr string) pos {
	for _, m := range b.members {
		if m.hc.expr == expr {
			return m.at
		}
	}
	return b.at
}

var (
	statusClassRE = regexp.MustCompile(`^%\{REQUEST_STATUS\}\s*=~\s*/\^(\[[0-9-]+\]|[0-9])/$`)
	statusEqRE    = regexp.MustCompile(`^%\{REQUEST_STATUS\}\s*(?:==|=|-eq)\s*'?([1-5][0-9][0-9])'?$`)
)

// statusRanges reads the status tests of common ProxyHCExpr expressions:
// %{REQUEST_STATUS} =~ /^[234]/ and %{REQUEST_STATUS} == 200.
func statusRanges(expr string) (config.StatusRanges, bool) {
	if m := statusEqRE.FindStringSubmatch(expr); m != nil {
		n, _ := strconv.Atoi(m[1])
		return config.StatusRanges{{Lo: n, Hi: n}}, true
	}
	m := statusClassRE.FindStringSubmatch(expr)
	if m == nil {
		return nil, false
	}
	class := strings.Trim(m[1], "[]")
	var digits [10]bool
	for i := 0; i < len(class); i++ {
		d := class[i]
		if d == '-' {
			continue
		}
		if i+2 < len(class) && class[i+1] == '-' {
			for x := d; x <= class[i+2]; x++ {
				digits[x-'0'] = true
			}
			i += 2
			continue
		}
		digits[d-'0'] = true
	}
	var out config.StatusRanges
	for d := 1; d <= 5; d++ {
		if !digits[d] {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Hi == d*100-1 {
			out[n-1].Hi = d*100 + 99
		} else {
			out = append(out, config.StatusRange{Lo: d * 100, Hi: d*100 + 99})
		}
	}
	return out, len(out) > 0
}

// formatRanges writes ranges as config reads them: "200-399,404".
func formatRanges(r config.StatusRanges) string {
	parts := make([]string, len(r))
	for i, x := range r {
		if x.Lo == x.Hi {
			parts[i] = strconv.Itoa(x.Lo)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", x.Lo, x.Hi)
		}
	}
	return strings.Join(parts, ",")
}
