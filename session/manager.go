package session

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// SavePolicy says when a session is written to the store.
type SavePolicy int

// Save policies.
const (
	// SaveDirty writes at the end of a request that changed the session
	// (and when its last write is older than half its max inactive
	// interval, so the store does not expire a session still in use).
	SaveDirty SavePolicy = iota
	// SaveAlways writes at the end of every request.
	SaveAlways
	// SavePeriod writes changes at most every Config.SavePeriod (deferred
	// batching): cheaper, and a failover may lose the last period.
	SavePeriod
)

// Config configures a Manager.
type Config struct {
	// Worker is this node's route, appended to session ids ("node1").
	Worker string
	// CookieName defaults to JSESSIONID; the ;jsessionid= path parameter
	// is accepted too.
	CookieName string
	// MaxInactive expires sessions not used for this long (default 30m).
	MaxInactive time.Duration
	// Cache is the session cache policy (default on-exit: safe with
	// failover and fail-back, since a node never serves a stale copy).
	Cache CachePolicy
	// Save is the write policy (default SaveDirty); SavePeriod applies
	// with Save == SavePeriod.
	Save       SavePolicy
	SavePeriod time.Duration
	// ScavengeEvery is how often expired sessions are removed from the
	// cache and from stores that need it (default 1m).
	ScavengeEvery time.Duration
	Logger        *slog.Logger
}

// Manager runs sessions for one node.
type Manager struct {
	cfg   Config
	store Store
	cache *cache
	log   *slog.Logger
	stop  chan struct{}
}

// New returns a Manager for this node's worker name over store, and starts
// its scavenger (stop it with Close).
func New(store Store, cfg Config) (*Manager, error) {
	if cfg.Worker == "" || strings.ContainsAny(cfg.Worker, ".;, \t\"=") {
		return nil, errors.New("session: Worker must be a non-empty route without '.', ';', ',', '=', quotes or spaces")
	}
	if cfg.CookieName == "" {
		cfg.CookieName = "JSESSIONID"
	}
	if cfg.MaxInactive <= 0 {
		cfg.MaxInactive = 30 * time.Minute
	}
	if cfg.Cache.Mode == "" {
		cfg.Cache.Mode = "on-exit"
	}
	if cfg.ScavengeEvery <= 0 {
		cfg.ScavengeEvery = time.Minute
	}
	if cfg.Save == SavePeriod && cfg.SavePeriod <= 0 {
		cfg.SavePeriod = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m := &Manager{cfg: cfg, store: store, cache: &cache{policy: cfg.Cache, m: map[string]*Session{}},
		log: cfg.Logger, stop: make(chan struct{})}
	go m.scavenge()
	return m, nil
}

// Close stops the scavenger.
func (m *Manager) Close() { close(m.stop) }

// requestID finds the session id the client sent: the ;jsessionid= path
// parameter first (httpd's order), then the cookie.
func (m *Manager) requestID(r *http.Request) string {
	param := ";" + strings.ToLower(m.cfg.CookieName) + "="
	if i := strings.Index(r.URL.RawPath, param); i >= 0 {
		v := r.URL.RawPath[i+len(param):]
		if j := strings.IndexAny(v, "/;?"); j >= 0 {
			v = v[:j]
		}
		return v
	}
	if i := strings.Index(r.URL.Path, param); i >= 0 {
		v := r.URL.Path[i+len(param):]
		if j := strings.IndexAny(v, "/;?"); j >= 0 {
			v = v[:j]
		}
		return v
	}
	if c, err := r.Cookie(m.cfg.CookieName); err == nil {
		return c.Value
	}
	return ""
}

// begin returns the request's session: from the cache, from the store, or
// new. A session whose id names another worker is loaded from the store
// (the other node may have changed it) and its cookie re-issued with ours.
func (m *Manager) begin(ctx context.Context, full string) *Session {
	now := time.Now()
	id, worker := splitID(full)
	if validID(id) {
		if worker == m.cfg.Worker {
			if s := m.cache.acquire(id); s != nil {
				return s
			}
		} else {
			m.cache.forget(id) // a copy from before it moved away is stale
		}
		d, err := m.store.Load(ctx, id)
		switch {
		case err == nil:
			s := &Session{m: m, id: id, data: d, reissue: worker != m.cfg.Worker, lastSaved: d.Accessed}
			if s.reissue {
				m.log.Info("session taken over from another node", "from", worker, "worker", m.cfg.Worker)
			}
			return m.cache.add(s)
		case errors.Is(err, ErrCorrupt):
			// Jetty's removeUnloadableSessions: the store removed it.
			m.log.Warn("unreadable session removed; starting a fresh one", "error", err.Error())
		case !errors.Is(err, ErrNotFound):
			m.log.Error("session store", "error", err.Error())
		}
	}
	d := &Data{Created: now, Accessed: now, MaxInactive: m.cfg.MaxInactive, Values: map[string]json.RawMessage{}}
	s := &Session{m: m, id: newID(), data: d, isNew: true, reissue: true}
	return m.cache.add(s)
}

// end saves the session as the policy says and releases it.
func (m *Manager) end(ctx context.Context, s *Session) {
	s.mu.Lock()
	invalid, old := s.invalid, s.oldID
	s.oldID = ""
	s.mu.Unlock()
	if invalid {
		m.store.Delete(ctx, s.id)
		m.cache.forget(s.id)
	} else {
		if old != "" {
			m.store.Delete(ctx, old)
			m.cache.forget(old)
			m.cache.add(s)
		}
		if err := m.save(ctx, s, false); errors.Is(err, ErrConflict) {
			m.log.Warn("session changed by another node meanwhile; this request's changes were dropped (use Session.Update for read-modify-write)")
			m.cache.forget(s.id)
		} else if err != nil {
			m.log.Error("session not saved", "error", err.Error())
		}
	}
	m.cache.release(s, time.Now())
}

// save writes s when the policy (or force) says so.
func (m *Manager) save(ctx context.Context, s *Session, force bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.invalid {
		return nil
	}
	now := time.Now()
	switch {
	case force:
	case s.isNew && !s.dirty:
		return nil // never used: do not store empty sessions
	case m.cfg.Save == SaveAlways:
	case m.cfg.Save == SavePeriod && now.Sub(s.lastSaved) < m.cfg.SavePeriod:
		return nil
	case !s.dirty && now.Sub(s.lastSaved) < m.cfg.MaxInactive/2:
		return nil
	}
	s.data.Accessed = now
	if err := m.store.Save(ctx, s.id, s.data, s.data.Version); err != nil {
		return err
	}
	s.dirty, s.isNew, s.lastSaved = false, false, now
	return nil
}

// reload replaces s's data with the store's copy.
func (m *Manager) reload(ctx context.Context, s *Session) error {
	d, err := m.store.Load(ctx, s.id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.data, s.dirty = d, false
	s.mu.Unlock()
	return nil
}

// cookie returns the session cookie to set, or nil when the client's is
// current.
func (m *Manager) cookie(s *Session, secure bool) *http.Cookie {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &http.Cookie{Name: m.cfg.CookieName, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	switch {
	case s.invalid:
		c.MaxAge = -1
	case s.reissue && (!s.isNew || s.dirty):
		c.Value = s.id + "." + m.cfg.Worker
		s.reissue = false
	default:
		return nil
	}
	return c
}

func (m *Manager) scavenge() {
	t := time.NewTicker(m.cfg.ScavengeEvery)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case now := <-t.C:
			m.cache.evict(now)
			if sc, ok := m.store.(Scavenger); ok {
				if n, err := sc.Scavenge(context.Background(), now); err != nil {
					m.log.Warn("session scavenger", "error", err.Error())
				} else if n > 0 {
					m.log.Debug("expired sessions removed", "count", n)
				}
			}
		}
	}
}

// Cached returns how many sessions this node holds in memory.
func (m *Manager) Cached() int { return m.cache.Len() }
