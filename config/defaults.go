package config

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Defaults applied to a loaded configuration. Each applies when the file
// leaves the field out (or gives it null or zero, unless the field's doc
// comment gives zero a meaning).
const (
	DefaultListen                 = "127.0.0.1:8080"
	DefaultManagerListen          = "127.0.0.1:8081"
	DefaultManagerPath            = "/balancer-manager"
	DefaultCluster                = "default"
	DefaultKeyPrefix              = "balancer:"
	DefaultBudget                 = 5 * time.Millisecond
	DefaultStoreRate              = 1000
	DefaultLBMethod               = LBByRequests
	DefaultSep                    = "."
	DefaultStickyMode             = StickyRoute
	DefaultStickyCookie           = "ROUTEID"
	DefaultRetryBuffer            = 1 << 20
	DefaultLifetime               = 30 * time.Minute
	DefaultMaxSessions            = 100000
	DefaultCheckMethod            = "GET"
	DefaultCheckURI               = "/"
	DefaultCheckInterval          = 5 * time.Second
	DefaultCheckTimeout           = 5 * time.Second
	DefaultLoadFactor             = 1
	DefaultRetry                  = 60 * time.Second
	DefaultTimeout                = 60 * time.Second
	DefaultQueueTimeout           = time.Second
	DefaultMaxConns               = 10000
	DefaultReadHeaderTimeout      = 10 * time.Second
	DefaultIdleTimeout            = 60 * time.Second
	DefaultIdleRelease            = time.Second
	DefaultMaxHeaderBytes         = 16 << 10
	DefaultMaxResponseHeaderBytes = 16 << 10
	DefaultBodyTimeout            = 20 * time.Second
	DefaultBodyMinRate            = 500
	DefaultMaxConcurrentStreams   = 100
	DefaultGraceTime              = 30 * time.Second
	DefaultAccessLogFormat        = "combined"
)

// applyDefaults fills every unset field with its default; set reports
// whether the file gives a field path a value, for the fields where an
// explicit zero is not the same as leaving the field out.
func (c *Config) applyDefaults(set func(path string) bool) {
	if len(c.Listen) == 0 {
		c.Listen = Listeners{{Addr: DefaultListen}}
	}
	m := &c.Manager
	if m.Listen == "" {
		m.Listen = DefaultManagerListen
	}
	if m.Path == "" {
		m.Path = DefaultManagerPath
	}
	if c.Store.Cluster == "" {
		c.Store.Cluster = DefaultCluster
	}
	if r := c.Store.Redis; r != nil {
		if r.KeyPrefix == "" {
			r.KeyPrefix = DefaultKeyPrefix
		}
		if r.Budget == 0 {
			r.Budget = Duration(DefaultBudget)
		}
		if r.WriteRate == 0 {
			r.WriteRate = DefaultStoreRate
		}
		if r.LookupRate == 0 {
			r.LookupRate = DefaultStoreRate
		}
	}
	if c.GraceTime == 0 {
		c.GraceTime = Duration(DefaultGraceTime)
	}
	if c.AccessLog.Format == "" {
		c.AccessLog.Format = DefaultAccessLogFormat
	}
	l := &c.Limits
	if l.MaxConns == 0 {
		l.MaxConns = DefaultMaxConns
	}
	if l.ReadHeaderTimeout == 0 {
		l.ReadHeaderTimeout = Duration(DefaultReadHeaderTimeout)
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = Duration(DefaultIdleTimeout)
	}
	if l.IdleRelease == 0 && !set("limits.idlerelease") {
		l.IdleRelease = Duration(DefaultIdleRelease)
	}
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxResponseHeaderBytes == 0 {
		l.MaxResponseHeaderBytes = DefaultMaxResponseHeaderBytes
	}
	if l.BodyTimeout == 0 {
		l.BodyTimeout = Duration(DefaultBodyTimeout)
	}
	if l.BodyMinRate == 0 && !set("limits.bodyminrate") {
		l.BodyMinRate = DefaultBodyMinRate
	}
	if l.MaxConcurrentStreams == 0 {
		l.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	for i := range c.Balancers {
		c.Balancers[i].applyDefaults(under(set, "balancers["+strconv.Itoa(i)+"]"))
	}
}

// applyDefaults fills the balancer's unset fields; set takes keys relative
// to the balancer ("retrybuffer", "members[0].loadfactor").
func (b *Balancer) applyDefaults(set func(key string) bool) {
	if b.LBMethod == "" {
		b.LBMethod = DefaultLBMethod
	}
	if b.StickySessionSep == "" {
		b.StickySessionSep = DefaultSep
	}
	if b.StickyMode == "" {
		b.StickyMode = DefaultStickyMode
	}
	if b.StickyCookie == "" {
		b.StickyCookie = DefaultStickyCookie
	}
	if b.RetryBuffer == 0 && !set("retrybuffer") {
		b.RetryBuffer = DefaultRetryBuffer
	}
	if b.SessionLifetime == 0 {
		b.SessionLifetime = Duration(DefaultLifetime)
	}
	if b.MaxSessions == 0 {
		b.MaxSessions = DefaultMaxSessions
	}
	if h := b.HealthCheck; h != nil {
		h.applyDefaults(under(set, "healthcheck"))
	}
	for i := range b.Members {
		b.Members[i].applyDefaults(under(set, "members["+strconv.Itoa(i)+"]"))
	}
}

// applyDefaults fills the check's unset fields. The method is upper-cased
// here so that everything downstream compares one spelling.
func (h *HealthCheck) applyDefaults(set func(key string) bool) {
	h.Method = strings.ToUpper(h.Method)
	if h.Method == "" {
		h.Method = DefaultCheckMethod
	}
	if h.URI == "" {
		h.URI = DefaultCheckURI
	}
	if h.Interval == 0 {
		h.Interval = Duration(DefaultCheckInterval)
	}
	if h.Timeout == 0 {
		h.Timeout = Duration(min(h.Interval.D(), DefaultCheckTimeout))
	}
	if h.Passes == 0 && !set("passes") {
		h.Passes = 1
	}
	if h.Fails == 0 && !set("fails") {
		h.Fails = 1
	}
	if len(h.Expect) == 0 {
		h.Expect = StatusRanges{{200, 399}}
	}
}

// applyDefaults fills the member's unset fields. Status flags are
// lower-cased here so that everything downstream compares one spelling.
func (m *Member) applyDefaults(set func(key string) bool) {
	if m.LoadFactor == 0 && !set("loadfactor") {
		m.LoadFactor = DefaultLoadFactor
	}
	if m.Timeout == 0 {
		m.Timeout = Duration(DefaultTimeout)
	}
	if m.ConnectionTimeout == 0 {
		m.ConnectionTimeout = m.Timeout
	}
	if m.QueueTimeout == 0 {
		m.QueueTimeout = Duration(DefaultQueueTimeout)
	}
	for i, s := range m.Status {
		m.Status[i] = strings.ToLower(s)
	}
}

// under narrows set to the fields below prefix.
func under(set func(string) bool, prefix string) func(string) bool {
	return func(key string) bool { return set(prefix + "." + key) }
}

// givenFields is the set of a struct built in code rather than read from
// a file: a field counts as given when it is not zero.
func givenFields(ptr any) func(key string) bool {
	v := reflect.ValueOf(ptr).Elem()
	fields := yamlFields(v.Type())
	return func(key string) bool {
		i, ok := fields[key]
		return ok && !v.Field(i).IsZero()
	}
}

// Attempts is how many further members a failed request may try:
// maxattempts, or the number of members less one when unset (httpd).
func (b *Balancer) Attempts() int {
	if b.MaxAttempts != nil {
		return *b.MaxAttempts
	}
	return max(len(b.Members)-1, 0)
}

// Recover reports forcerecovery: whether members in error are all retried
// when every member is in error (default true, as in httpd).
func (b *Balancer) Recover() bool { return b.ForceRecovery == nil || *b.ForceRecovery }

// RetryTime is how long a member in error is skipped before it is tried
// again: retry, 60s when unset, and 0 (retry at once) when set to 0.
func (m *Member) RetryTime() time.Duration {
	if m.Retry == nil {
		return DefaultRetry
	}
	return m.Retry.D()
}
