package convert

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"balancer/config"
)

// nameBadRE is the complement of config's rule for balancer names, so that
// a name written here validates there. Routes and cookie names follow
// config.IsToken.
var nameBadRE = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// param is one key=value argument, the key lower-cased as httpd compares it.
type param struct{ key, val string }

// splitParams separates key=value arguments from bare words (flags).
func splitParams(args []string) (kv []param, flags []string) {
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			flags = append(flags, a)
			continue
		}
		kv = append(kv, param{strings.ToLower(k), v})
	}
	return kv, flags
}

// workerReasons says why a worker parameter without an equivalent is left
// out, where there is more to say than "no equivalent".
var workerReasons = map[string]string{
	"ping":              "no Expect: 100-continue or CPING probe before a request; trytimeout on the balancer fails slow members over",
	"smax":              "connection pool size: the balancer keeps idle connections per member by itself",
	"min":               "connection pool size: the balancer keeps idle connections per member by itself",
	"ttl":               "idle connections are closed by the balancer's own idle timeout",
	"acquire":           "use max with maxqueue and queuetimeout to bound waiting for a member",
	"keepalive":         "TCP keep-alive on member connections is the operating system's default",
	"disablereuse":      "member connections are always reused",
	"enablereuse":       "member connections are always reused",
	"flushpackets":      "responses are streamed as they arrive",
	"flushwait":         "responses are streamed as they arrive",
	"secret":            "AJP only",
	"upgrade":           "the balancer passes any Upgrade (WebSocket) request through",
	"iobuffersize":      "no equivalent",
	"receivebuffersize": "no equivalent",
	"responsefieldsize": "the limit is limits.maxresponseheaderbytes",
	"mapping":           "no equivalent",
	"addressttl":        "member host names are resolved when connecting",
}

// workerParam applies one BalancerMember (or ProxyPass, or ProxySet)
// parameter to m.
func (c *converter) workerParam(at pos, m *member, what string, p param) {
	bad := func(rule string) {
		c.warn(at, "%s %s=%s: %s: not carried over", what, p.key, p.val, rule)
	}
	switch p.key {
	case "route":
		if len(p.val) >= 64 || !config.IsToken(p.val) {
			bad("a route is under 64 cookie-safe characters")
			return
		}
		m.cfg.Route = p.val
	case "loadfactor":
		f, err := strconv.ParseFloat(p.val, 64)
		if err != nil || f < 1 || f > 100 {
			bad("must be a number from 1 to 100 (httpd refuses it too)")
			return
		}
		m.cfg.LoadFactor = f
	case "lbset":
		n, err := strconv.Atoi(p.val)
		if err != nil || n < 0 || n > 99 {
			bad("must be 0 to 99")
			return
		}
		m.cfg.LBSet = n
	case "status":
		c.status(at, m, what, p.val)
	case "redirect":
		m.cfg.Redirect = p.val // checked against the routes once all members are known
	case "retry", "timeout", "connectiontimeout":
		d, ok := c.duration(at, what, p, time.Second)
		if !ok {
			return
		}
		v := config.Duration(d)
		switch p.key {
		case "retry":
			m.cfg.Retry = &v
		case "timeout":
			m.cfg.Timeout = v
		default:
			m.cfg.ConnectionTimeout = v
		}
	case "max":
		n, err := strconv.Atoi(p.val)
		if err != nil || n < 0 {
			bad("must be a whole number, 0 or more")
			return
		}
		m.cfg.Max = n
	case "hcmethod", "hcuri", "hcinterval", "hcpasses", "hcfails", "hcexpr", "hctemplate":
		c.hcParam(at, m, what, p)
	default:
		reason, known := workerReasons[p.key]
		if !known {
			reason = "no equivalent"
		}
		c.warn(at, "%s %s=%s is not carried over (%s)", what, p.key, p.val, reason)
	}
}

// letterHotSpare is httpd's R (PROXY_WORKER_HOT_SPARE), which the
// configuration has no flag for.
const letterHotSpare = 'R'

// status applies httpd's status string: letters set flags, a '-' turns
// the letters after it into clearing ones and a '+' back (ap_proxy_set_wstatus).
func (c *converter) status(at pos, m *member, what, val string) {
	set := true
	for i := 0; i < len(val); i++ {
		ch := val[i]
		switch ch {
		case '+':
			set = true
			continue
		case '-':
			set = false
			continue
		}
		up := ch &^ 0x20
		flag, known := config.FlagLettered(up)
		name := ""
		if flag&config.AdminFlags != 0 {
			name = flag.Name()
		}
		switch {
		case !known && up != letterHotSpare:
			c.warn(at, "%s status=%s: unknown flag %q: ignored", what, val, ch)
		case name != "":
			m.cfg.Status = removeString(m.cfg.Status, name)
			if set {
				m.cfg.Status = append(m.cfg.Status, name)
			}
		case !set:
			// Clearing E, C or R is the starting state anyway.
		case flag == config.FlagError:
			c.warn(at, "%s status=%s: E (in error) is runtime state with no configuration equivalent: the member starts usable", what, val)
		case flag == config.FlagHealthFailed:
			c.warn(at, "%s status=%s: C (health check failed) is runtime state: the member starts usable", what, val)
		case up == letterHotSpare:
			m.cfg.Status = removeString(m.cfg.Status, config.StatusHotStandby)
			m.cfg.Status = append(m.cfg.Status, config.StatusHotStandby)
			c.warn(at, "%s status=%s: R (hot spare, one-for-one replacement) is written as hot-standby, used only when no other member of its lbset is", what, val)
		}
	}
}

func removeString(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// balancerParam applies one balancer parameter (ProxySet, or ProxyPass to
// a balancer:// URL) to b.
func (c *converter) balancerParam(at pos, b *balancer, what string, p param) {
	bad := func(rule string) {
		c.warn(at, "%s %s=%s: %s: not carried over", what, p.key, p.val, rule)
	}
	switch p.key {
	case "lbmethod":
		switch v := strings.ToLower(p.val); {
		case config.IsLBMethod(v):
			b.cfg.LBMethod = v
		case v == "heartbeat":
			c.warn(at, "%s lbmethod=heartbeat (mod_lbmethod_heartbeat) has no equivalent: %s is used", what, config.DefaultLBMethod)
		default:
			bad("want " + config.LBMethodList())
		}
	case "stickysession":
		cookie, param, hasParam := strings.Cut(p.val, "|")
		if len(p.val) >= 64 || !config.IsToken(cookie) || hasParam && !config.IsToken(param) {
			bad("want COOKIE or COOKIE|PARAM of cookie-name characters, under 64")
			return
		}
		b.cfg.StickySession = p.val
	case "stickysessionsep":
		switch {
		case strings.EqualFold(p.val, "off"):
			b.cfg.StickySessionSep = "off"
		case len(p.val) == 1:
			b.cfg.StickySessionSep = p.val
		default:
			bad("want one character or Off")
		}
	case "scolonpathdelim", "nofailover", "failontimeout", "forcerecovery":
		v, ok := onOff(p.val)
		if !ok {
			bad("want On or Off")
			return
		}
		switch p.key {
		case "scolonpathdelim":
			b.cfg.ScolonPathDelim = v
		case "nofailover":
			b.cfg.NoFailover = v
		case "failontimeout":
			b.cfg.FailOnTimeout = v
		default:
			b.cfg.ForceRecovery = &v
		}
	case "maxattempts":
		n, err := strconv.Atoi(p.val)
		if err != nil || n < 0 {
			bad("must be a whole number, 0 or more")
			return
		}
		b.cfg.MaxAttempts = &n
	case "timeout":
		if d, ok := c.duration(at, what, p, time.Second); ok {
			b.cfg.Timeout = config.Duration(d)
		}
	case "failonstatus":
		var codes []int
		for _, s := range strings.Split(p.val, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 100 || n > 599 {
				bad("want status codes 100-599 separated by commas")
				return
			}
			codes = append(codes, n)
		}
		b.cfg.FailOnStatus = codes
	case "growth":
		c.warn(at, "%s growth=%s is not needed: members are added from the manager without spare slots", what, p.val)
	case "nonce":
		c.warn(at, "%s nonce=%s is not carried over: the manager makes its own CSRF token per page", what, p.val)
	default:
		if _, ok := workerReasons[p.key]; ok || isWorkerKey(p.key) {
			c.warn(at, "%s %s=%s sets httpd's worker for the balancer itself, not its members: not carried over (set it on each BalancerMember)", what, p.key, p.val)
			return
		}
		c.warn(at, "%s %s=%s is not a balancer parameter: ignored", what, p.key, p.val)
	}
}

// isWorkerKey reports the worker parameters that workerParam carries over.
func isWorkerKey(k string) bool {
	switch k {
	case "route", "loadfactor", "lbset", "status", "redirect", "retry", "connectiontimeout", "max",
		"hcmethod", "hcuri", "hcinterval", "hcpasses", "hcfails", "hcexpr", "hctemplate":
		return true
	}
	return false
}

// onOff parses httpd's flag values.
func onOff(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "on":
		return true, true
	case "off":
		return false, true
	}
	return false, false
}

// parseDuration reads httpd's time parameters (ap_timeout_parameter_parse):
// a whole number with an optional unit ms, s, mi or h, unit defaulting to
// unit.
func parseDuration(s string, unit time.Duration) (time.Duration, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 12 {
		return 0, fmt.Errorf("not a whole number")
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, err
	}
	switch strings.ToLower(s[i:]) {
	case "":
	case "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	case "mi":
		unit = time.Minute
	case "h":
		unit = time.Hour
	default:
		return 0, fmt.Errorf("unknown unit %q (httpd knows ms, s, mi and h)", s[i:])
	}
	if n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("too long")
	}
	return time.Duration(n) * unit, nil
}

// duration parses a time parameter, warning when it cannot.
func (c *converter) duration(at pos, what string, p param, unit time.Duration) (time.Duration, bool) {
	d, err := parseDuration(p.val, unit)
	if err != nil {
		c.warn(at, "%s %s=%s: %v: not carried over", what, p.key, p.val, err)
		return 0, false
	}
	return d, true
}

// goDuration writes d the way a person would: 60s, 500ms, 2h0m0s only when
// it cannot be one unit.
func goDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return d.String()
}
