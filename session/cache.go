package session

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Cache modes (Jetty's SessionCache eviction policies).
const (
	// CacheNever keeps a session in memory until it expires (Jetty's
	// NEVER_EVICT).
	CacheNever = "never"
	// CacheOnExit drops a session when the last concurrent request for it
	// ends (EVICT_ON_SESSION_EXIT): every request loads a fresh copy, so a
	// node never serves a copy another node has changed since.
	CacheOnExit = "on-exit"
	// CacheOnInactivity drops a session after CachePolicy.Idle without a
	// request on this node.
	CacheOnInactivity = "on-inactivity"
	// CacheNone keeps nothing: every request reads the store, and
	// concurrent requests get separate copies (Jetty's NullSessionCache).
	CacheNone = "none"
)

// CachePolicy says how long this node keeps a session in memory.
type CachePolicy struct {
	// Mode is one of CacheNever, CacheOnExit, CacheOnInactivity, CacheNone.
	Mode string
	// Idle is the inactivity after which CacheOnInactivity drops a session.
	Idle time.Duration
}

// String returns the policy as ParseCachePolicy reads it.
func (p CachePolicy) String() string {
	if p.Mode == CacheOnInactivity {
		return p.Mode + ":" + p.Idle.String()
	}
	return p.Mode
}

// ParseCachePolicy reads "never", "on-exit", "none" or "on-inactivity:D"
// (D a Go duration, "5m").
func ParseCachePolicy(s string) (CachePolicy, error) {
	mode, arg, _ := strings.Cut(s, ":")
	switch mode {
	case CacheNever, CacheOnExit, CacheNone:
		if arg == "" {
			return CachePolicy{Mode: mode}, nil
		}
	case CacheOnInactivity:
		if d, err := time.ParseDuration(strings.TrimSpace(arg)); err == nil && d > 0 {
			return CachePolicy{Mode: mode, Idle: d}, nil
		}
		return CachePolicy{}, fmt.Errorf("session: cache policy %q: on-inactivity needs a positive duration, e.g. on-inactivity:5m", s)
	}
	return CachePolicy{}, fmt.Errorf("session: unknown cache policy %q (never, on-exit, on-inactivity:D, none)", s)
}

// cache shares one *Session between the concurrent requests of this node.
// Lock order: cache.mu before a session's mu, and never store I/O under
// cache.mu; the bookkeeping fields it guards live on Session.
type cache struct {
	policy      CachePolicy
	maxInactive time.Duration
	mu          sync.Mutex
	m           map[string]*Session
}

func newCache(p CachePolicy, maxInactive time.Duration) *cache {
	return &cache{policy: p, maxInactive: maxInactive, m: map[string]*Session{}}
}

// acquire returns the cached session id with one more reference, or nil.
// ours says the client's id carries this node's suffix. A copy of a
// session the client took to another node meanwhile is stale and dropped,
// unless a request is using it (it was loaded for that request) or it
// waits for a deferred save.
func (c *cache) acquire(id string, ours bool, now time.Time) *Session {
	if c.policy.Mode == CacheNone {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.m[id]
	if s == nil {
		return nil
	}
	busy := s.refs > 0 || s.pending.Load()
	if s.invalid.Load() || (!busy && (!ours || now.Sub(s.lastUse) > c.maxInactive)) {
		delete(c.m, id)
		return nil
	}
	s.refs++
	s.lastUse = now
	return s
}

// add caches s, loaded from the store, with one reference, or returns the
// session another request cached under the same id first (with one more
// reference); new sessions are only counted.
func (c *cache) add(s *Session, now time.Time) *Session {
	s.refs, s.lastUse = 1, now
	if c.policy.Mode == CacheNone || !s.stored {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.m[s.id]; cur != nil && !cur.invalid.Load() {
		cur.refs++
		cur.lastUse = now
		return cur
	}
	c.m[s.id] = s
	s.cachedAs = s.id
	return s
}

// release ends one request's use of s, whose id is now id (ChangeID and
// renewal rename sessions). A session joins the cache only once it is
// stored: new sessions nobody changed (health checks, clients without
// cookies) cost no memory after their request.
func (c *cache) release(s *Session, id string, stored bool, now time.Time) {
	if c.policy.Mode == CacheNone {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s.refs--
	s.lastUse = now
	if s.cachedAs != id {
		if s.cachedAs != "" && c.m[s.cachedAs] == s {
			delete(c.m, s.cachedAs)
		}
		s.cachedAs = ""
	}
	if s.cachedAs == "" && stored && c.m[id] == nil {
		c.m[id] = s
		s.cachedAs = id
	}
	drop := s.invalid.Load() || (c.policy.Mode == CacheOnExit && s.refs == 0 && !s.pending.Load())
	if drop && s.cachedAs != "" && c.m[s.cachedAs] == s {
		delete(c.m, s.cachedAs)
		s.cachedAs = ""
	}
}

// sweep drops the sessions no request uses and no deferred save waits for
// that the policy no longer keeps: idle ones (on-inactivity), unused ones
// (on-exit, after their deferred save), and ones unused for longer than
// the max inactive interval. It returns how many it dropped.
func (c *cache) sweep(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for id, s := range c.m {
		if s.refs > 0 || s.pending.Load() {
			continue
		}
		idle := now.Sub(s.lastUse)
		if s.invalid.Load() || c.policy.Mode == CacheOnExit || idle > c.maxInactive ||
			(c.policy.Mode == CacheOnInactivity && idle > c.policy.Idle) {
			delete(c.m, id)
			n++
		}
	}
	return n
}

// waiting returns the sessions with a deferred save.
func (c *cache) waiting() []*Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	var w []*Session
	for _, s := range c.m {
		if s.pending.Load() {
			w = append(w, s)
		}
	}
	return w
}

// len returns how many sessions are cached.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
