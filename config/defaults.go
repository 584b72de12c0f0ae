package config

import (
	"fmt"
	"time"
)

// Defaults applied to a loaded configuration.
const (
	DefaultListen        = "127.0.0.1:8080"
	DefaultManagerListen = "127.0.0.1:8081"
	DefaultManagerPath   = "/balancer-manager"
	DefaultCluster       = "default"
	DefaultKeyPrefix     = "balancer:"
	DefaultBudget        = 5 * time.Millisecond
	DefaultLBMethod      = "byrequests"
	DefaultSep           = "."
	DefaultStickyMode    = "route"
	DefaultStickyCookie  = "ROUTEID"
	DefaultRetryBuffer   = 1 << 20
	DefaultLifetime      = 30 * time.Minute
	DefaultMaxSessions   = 100000
	DefaultRetry         = 60 * time.Second
	DefaultTimeout       = 60 * time.Second
	DefaultQueueTimeout  = time.Second
	DefaultGraceTime     = 30 * time.Second
)

// applyDefaults fills every unset field with its default.
func (c *Config) applyDefaults(idx *index) {
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
	}
	if c.GraceTime == 0 {
		c.GraceTime = Duration(DefaultGraceTime)
	}
	if c.AccessLog.Format == "" {
		c.AccessLog.Format = "combined"
	}
	l := &c.Limits
	if l.MaxConns == 0 {
		l.MaxConns = 10000
	}
	if l.ReadHeaderTimeout == 0 {
		l.ReadHeaderTimeout = Duration(10 * time.Second)
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = Duration(60 * time.Second)
	}
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = 16 << 10
	}
	if l.MaxResponseHeaderBytes == 0 {
		l.MaxResponseHeaderBytes = 16 << 10
	}
	for i := range c.Balancers {
		c.Balancers[i].applyDefaults(idx, fmt.Sprintf("balancers[%d]", i))
	}
}

func (b *Balancer) applyDefaults(idx *index, path string) {
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
	if b.RetryBuffer == 0 {
		b.RetryBuffer = DefaultRetryBuffer
	}
	if b.SessionLifetime == 0 {
		b.SessionLifetime = Duration(DefaultLifetime)
	}
	if b.MaxSessions == 0 {
		b.MaxSessions = DefaultMaxSessions
	}
	if h := b.HealthCheck; h != nil {
		if h.Method == "" {
			h.Method = "GET"
		}
		if h.URI == "" {
			h.URI = "/"
		}
		if h.Interval == 0 {
			h.Interval = Duration(5 * time.Second)
		}
		if h.Timeout == 0 {
			h.Timeout = Duration(min(h.Interval.D(), 5*time.Second))
		}
		if h.Passes == 0 {
			h.Passes = 1
		}
		if h.Fails == 0 {
			h.Fails = 1
		}
		if len(h.Expect) == 0 {
			h.Expect = StatusRanges{{200, 399}}
		}
	}
	for i := range b.Members {
		b.Members[i].applyDefaults(idx.has(fmt.Sprintf("%s.members[%d].loadfactor", path, i)))
	}
}

func (m *Member) applyDefaults(hasLoadFactor bool) {
	if !hasLoadFactor {
		m.LoadFactor = 1
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
}

// Attempts is how many further members a failed request may try:
// maxattempts, or members-1 when unset (httpd).
func (b *Balancer) Attempts() int {
	if b.MaxAttempts != nil {
		return *b.MaxAttempts
	}
	return max(len(b.Members)-1, 0)
}

// Recover reports forcerecovery (default true).
func (b *Balancer) Recover() bool { return b.ForceRecovery == nil || *b.ForceRecovery }

// RetryTime is how long the member stays in error (default 60s; 0 means
// it is retried at once).
func (m *Member) RetryTime() time.Duration {
	if m.Retry == nil {
		return DefaultRetry
	}
	return m.Retry.D()
}
