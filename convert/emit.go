package convert

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"balancer/config"
)

// emit writes the result. It is written by hand rather than marshalled so
// that it carries comments, keeps the schema's key order, and leaves out
// what httpd left at its default.
func (c *converter) emit() []byte {
	w := &writer{}
	w.comment(0, fmt.Sprintf("Converted from %s by \"balancer convert\".", c.name))
	w.comment(0, "Read the warnings printed with it; \"balancer check -config FILE\" validates it.")
	w.line(0, "listen:")
	for _, l := range c.out {
		if l.cert == "" && !l.redirect {
			w.line(1, "- "+quote(l.addr))
			continue
		}
		w.line(1, "- addr: "+quote(l.addr))
		if l.cert != "" {
			w.line(2, "tls:")
			w.line(3, "cert: "+scalar(l.cert))
			w.line(3, "key: "+scalar(l.key))
		}
		if l.redirect {
			w.line(2, "redirecthttps: true")
		}
	}
	w.line(0, "manager:")
	if _, loc := c.managerLoc(); loc != nil {
		w.comment(1, fmt.Sprintf("httpd served the balancer-manager in <Location %s> on its public port;", loc.path))
		w.comment(1, "here it has a listener of its own, on loopback only.")
	} else {
		w.comment(1, "The balancer-manager page, its JSON API and /metrics, on loopback only.")
	}
	w.line(1, "listen: "+quote(c.managerListen))
	w.line(1, "path: "+scalar(c.managerPath))
	if c.persist {
		w.line(1, "persist: true # httpd: BalancerPersist On; edits are written back into this file")
	}
	if c.accessLog != "" {
		w.line(0, "accesslog:")
		w.line(1, "path: "+scalar(c.accessLog))
		w.line(1, "format: combined")
	}
	if c.idleTimeout != 0 || c.maxBody != 0 {
		w.line(0, "limits:")
		if c.idleTimeout != 0 {
			w.line(1, "idletimeout: "+goDuration(c.idleTimeout)+" # httpd: KeepAliveTimeout")
		}
		if c.maxBody != 0 {
			w.line(1, "maxbodysize: "+strconv.FormatInt(c.maxBody, 10)+" # httpd: LimitRequestBody")
		}
	}
	if c.graceTime != 0 {
		w.line(0, "gracetime: "+goDuration(c.graceTime)+" # httpd: GracefulShutdownTimeout")
	}
	w.line(0, "balancers:")
	for _, b := range c.bals {
		c.emitBalancer(w, b)
	}
	w.line(0, "routes:")
	for _, r := range c.routes {
		w.line(1, "- path: "+scalar(r.path))
		w.line(2, "balancer: "+scalar(r.bal.cfg.Name))
		if r.reverse {
			w.line(2, "reverse: true")
		}
	}
	return []byte(w.b.String())
}

// managerLoc returns the manager's location without warning again.
func (c *converter) managerLoc() (string, *location) {
	for _, l := range c.locs {
		if l.handler == "balancer-manager" {
			return l.path, l
		}
	}
	return "", nil
}

func (c *converter) emitBalancer(w *writer, b *balancer) {
	var paths []string
	for _, r := range b.routes {
		paths = append(paths, r.path)
	}
	head := fmt.Sprintf("%s (%s:%d)", b.httpd, b.at.file, b.at.line)
	if b.implicit {
		head = fmt.Sprintf("ProxyPass to %s (%s:%d): a balancer of one member", b.httpd, b.at.file, b.at.line)
	}
	if len(paths) > 0 {
		head += ", for " + strings.Join(paths, ", ")
	}
	w.comment(1, head)
	for _, n := range b.notes {
		w.comment(1, n)
	}
	bc := &b.cfg
	w.line(1, "- name: "+scalar(bc.Name))
	lb := bc.LBMethod
	if lb == "" {
		lb = config.DefaultLBMethod
	}
	w.line(2, "lbmethod: "+lb)
	if bc.StickySession != "" {
		w.line(2, "stickysession: "+scalar(bc.StickySession))
	}
	if bc.StickySessionSep != "" {
		w.line(2, "stickysessionsep: "+quote(bc.StickySessionSep))
	}
	if bc.ScolonPathDelim {
		w.line(2, "scolonpathdelim: true")
	}
	if bc.StickyMode != "" {
		w.line(2, "stickymode: "+bc.StickyMode)
		w.line(2, "stickycookie: "+scalar(bc.StickyCookie))
	}
	if bc.NoFailover {
		w.line(2, "nofailover: true")
	}
	if bc.MaxAttempts != nil {
		w.line(2, "maxattempts: "+strconv.Itoa(*bc.MaxAttempts))
	}
	if bc.Timeout != 0 {
		w.line(2, "timeout: "+goDuration(bc.Timeout.D()))
	}
	if len(bc.FailOnStatus) > 0 {
		codes := make([]string, len(bc.FailOnStatus))
		for i, n := range bc.FailOnStatus {
			codes[i] = strconv.Itoa(n)
		}
		w.line(2, "failonstatus: ["+strings.Join(codes, ", ")+"]")
	}
	if bc.FailOnTimeout {
		w.line(2, "failontimeout: true")
	}
	if bc.ForceRecovery != nil {
		w.line(2, "forcerecovery: "+strconv.FormatBool(*bc.ForceRecovery))
	}
	if h := bc.HealthCheck; h != nil {
		w.line(2, "healthcheck:")
		w.line(3, "method: "+h.Method)
		if h.URI != "" {
			w.line(3, "uri: "+scalar(h.URI))
		}
		w.line(3, "interval: "+goDuration(h.Interval.D()))
		if h.Passes != 0 {
			w.line(3, "passes: "+strconv.Itoa(h.Passes))
		}
		if h.Fails != 0 {
			w.line(3, "fails: "+strconv.Itoa(h.Fails))
		}
		if len(h.Expect) > 0 {
			w.line(3, "expect: "+quote(formatRanges(h.Expect)))
		}
	}
	w.line(2, "members:")
	for _, m := range b.members {
		emitMember(w, m)
	}
}

func emitMember(w *writer, m *member) {
	mc := &m.cfg
	url := "- url: " + scalar(mc.URL)
	if raw := strings.TrimRight(m.raw, "/"); raw != mc.URL && !strings.HasPrefix(mc.URL, raw) {
		url += " # httpd: " + sanitize(m.raw)
	}
	w.line(3, url)
	if mc.Route != "" {
		w.line(4, "route: "+scalar(mc.Route))
	}
	if mc.LoadFactor != 0 {
		w.line(4, "loadfactor: "+strconv.FormatFloat(mc.LoadFactor, 'f', -1, 64))
	}
	if mc.LBSet != 0 {
		w.line(4, "lbset: "+strconv.Itoa(mc.LBSet))
	}
	if len(mc.Status) > 0 {
		w.line(4, "status: ["+strings.Join(mc.Status, ", ")+"]")
	}
	if mc.Redirect != "" {
		w.line(4, "redirect: "+scalar(mc.Redirect))
	}
	if mc.Retry != nil {
		w.line(4, "retry: "+goDuration(mc.Retry.D()))
	}
	if mc.ConnectionTimeout != 0 {
		w.line(4, "connectiontimeout: "+goDuration(mc.ConnectionTimeout.D()))
	}
	if mc.Timeout != 0 {
		w.line(4, "timeout: "+goDuration(mc.Timeout.D()))
	}
	if mc.Max != 0 {
		w.line(4, "max: "+strconv.Itoa(mc.Max))
	}
}

// writer builds the YAML text, two spaces a level.
type writer struct{ b strings.Builder }

func (w *writer) line(level int, s string) {
	w.b.WriteString(strings.Repeat("  ", level))
	w.b.WriteString(s)
	w.b.WriteByte('\n')
}

func (w *writer) comment(level int, s string) { w.line(level, "# "+sanitize(s)) }

// sanitize keeps a comment on its line: text from the httpd file may hold
// carriage returns or other control characters that YAML reads as breaks.
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, "?")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xfeff {
			return '?'
		}
		return r
	}, s)
}

var plainRE = regexp.MustCompile(`^[A-Za-z0-9_/.][A-Za-z0-9_/.:@|+=,-]*$`)

// scalar writes s plain when YAML reads it back as the same string, and
// double-quoted otherwise.
func scalar(s string) string {
	if plainRE.MatchString(s) && !strings.HasSuffix(s, ":") {
		var v any
		if yaml.Unmarshal([]byte(s), &v) == nil {
			if str, ok := v.(string); ok && str == s {
				return s
			}
		}
	}
	return quote(s)
}

// quote writes s as a YAML double-quoted scalar.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\uFFFD`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// validate checks the result with the configuration loader; anything it
// refuses is reported, so that the user fixes it before running it.
func (c *converter) validate(out []byte) {
	if _, err := config.Parse("result", out); err != nil {
		for _, l := range strings.Split(err.Error(), "\n") {
			c.warn(pos{}, "the result does not validate, edit it: %s", l)
		}
	}
}
