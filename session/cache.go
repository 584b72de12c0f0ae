package session

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// CachePolicy says how long this node keeps a session in memory (Jetty's
// SessionCache eviction policies).
type CachePolicy struct {
	// Mode is "never" (keep until expiry), "on-exit" (drop when the last
	// concurrent request for it ends), "on-inactivity" (drop after Idle
	// without requests) or "none" (every request reads the store).
	Mode string
	Idle time.Duration
}

// ParseCachePolicy reads "never", "on-exit", "none" or "on-inactivity:5m".
func ParseCachePolicy(s string) (CachePolicy, error) {
	mode, arg, _ := strings.Cut(s, ":")
	switch mode {
	case "never", "on-exit", "none":
		return CachePolicy{Mode: mode}, nil
	case "on-inactivity":
		d, err := time.ParseDuration(strings.TrimSpace(arg))
		if err != nil || d <= 0 {
			return CachePolicy{}, fmt.Errorf("session: on-inactivity needs a duration, e.g. on-inactivity:5m")
		}
		return CachePolicy{Mode: mode, Idle: d}, nil
	}
	return CachePolicy{}, fmt.Errorf("session: unknown cache policy %q (never, on-exit, on-inactivity:D, none)", s)
}

// cache shares one *Session between the concurrent requests of this node.
type cache struct {
	policy CachePolicy
	mu     sync.Mutex
	m      map[string]*Session
}

// acquire returns the cached session id, counting a reference.
func (c *cache) acquire(id string) *Session {
	if c.policy.Mode == "none" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.m[id]
	if s != nil {
		s.mu.Lock()
		s.refs++
		s.mu.Unlock()
	}
	return s
}

// add caches s (with one reference), or returns the session another
// request cached first.
func (c *cache) add(s *Session) *Session {
	s.refs = 1
	if c.policy.Mode == "none" {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.m[s.id]; cur != nil {
		cur.mu.Lock()
		cur.refs++
		cur.mu.Unlock()
		return cur
	}
	c.m[s.id] = s
	return s
}

// release ends one request's use; on-exit drops the last one.
func (c *cache) release(s *Session, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.mu.Lock()
	s.refs--
	s.lastUse = now
	gone := s.invalid || (c.policy.Mode == "on-exit" && s.refs == 0)
	id := s.id
	s.mu.Unlock()
	if gone && c.m[id] == s {
		delete(c.m, id)
	}
}

// forget drops id (taken over, invalidated, renamed, or stale).
func (c *cache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// evict drops idle (on-inactivity) and expired sessions without requests.
func (c *cache) evict(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for id, s := range c.m {
		s.mu.Lock()
		idle := s.refs == 0 && ((c.policy.Mode == "on-inactivity" && now.Sub(s.lastUse) > c.policy.Idle) || s.data.Expired(now))
		s.mu.Unlock()
		if idle {
			delete(c.m, id)
			n++
		}
	}
	return n
}

// Len returns how many sessions are cached.
func (c *cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
