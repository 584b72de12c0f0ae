package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// SavePolicy says when a session is written to the store.
type SavePolicy int

// Save policies. Whatever the policy, a new session is written as soon as
// a request changes it (its cookie names a stored session), Update writes
// at once, and a session in use but unchanged is written once its stored
// copy is a quarter of the max inactive interval old, so the store does
// not expire it: it expires between 3/4 and all of the interval after its
// last request.
const (
	// SaveDirty writes at the end of a request that changed the session.
	SaveDirty SavePolicy = iota
	// SaveAlways writes at the end of every request.
	SaveAlways
	// SavePeriod writes changes at most once per Config.SavePeriod (deferred
	// write batching): a session changed by many requests costs one write
	// per period, and a node that dies loses up to one period of changes.
	// It needs a cache policy other than none.
	SavePeriod
)

// String returns the policy as ParseSavePolicy reads it (without the
// period).
func (p SavePolicy) String() string {
	switch p {
	case SaveDirty:
		return "dirty"
	case SaveAlways:
		return "always"
	case SavePeriod:
		return "period"
	}
	return fmt.Sprintf("SavePolicy(%d)", int(p))
}

// ParseSavePolicy reads "dirty", "always" or "period:D" (D a Go duration).
func ParseSavePolicy(s string) (SavePolicy, time.Duration, error) {
	switch mode, arg, _ := strings.Cut(s, ":"); {
	case s == "dirty":
		return SaveDirty, 0, nil
	case s == "always":
		return SaveAlways, 0, nil
	case mode == "period":
		if d, err := time.ParseDuration(arg); err == nil && d > 0 {
			return SavePeriod, d, nil
		}
	}
	return 0, 0, fmt.Errorf("session: unknown save policy %q (dirty, always, period:D)", s)
}

// Config configures a Manager. Only Worker is required.
type Config struct {
	// Worker is this node's route, appended to session ids ("node1").
	Worker string
	// CookieName is the session cookie (default JSESSIONID); its lowercase
	// form is the path parameter also accepted (";jsessionid=").
	CookieName string
	// CookiePath is the cookie's Path (default "/").
	CookiePath string
	// MaxInactive expires sessions not used for this long (default 30m).
	MaxInactive time.Duration
	// Cache is the session cache policy (default on-exit: every request
	// loads a fresh copy, so a fail-back never serves a stale one).
	Cache CachePolicy
	// Save is the write policy (default SaveDirty).
	Save SavePolicy
	// SavePeriod is the period of SavePeriod (default 10s).
	SavePeriod time.Duration
	// ScavengeEvery is how often expired sessions are dropped from the
	// cache and deleted from stores that implement Scavenger (default 1m).
	ScavengeEvery time.Duration
	// Logger receives the manager's log lines (default slog.Default()).
	Logger *slog.Logger
}

// Manager runs the sessions of one node: it finds the request's session,
// shares it between concurrent requests, saves it, and sets its cookie.
// Several Managers (nodes) may share one Store.
type Manager struct {
	cfg       Config
	store     Store
	cache     *cache
	log       *slog.Logger
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New returns the Manager of the node cfg.Worker over store and starts
// its scavenger; Close stops it.
func New(store Store, cfg Config) (*Manager, error) {
	if cfg.Worker == "" || strings.ContainsAny(cfg.Worker, ".;,=\" \t\r\n") {
		return nil, fmt.Errorf("session: worker %q must be a non-empty route without '.', ';', ',', '=', quotes or spaces", cfg.Worker)
	}
	if store == nil {
		return nil, errors.New("session: no store")
	}
	if cfg.CookieName == "" {
		cfg.CookieName = "JSESSIONID"
	}
	if cfg.CookiePath == "" {
		cfg.CookiePath = "/"
	}
	if cfg.MaxInactive <= 0 {
		cfg.MaxInactive = 30 * time.Minute
	}
	switch cfg.Cache.Mode {
	case "":
		cfg.Cache.Mode = CacheOnExit
	case CacheNever, CacheOnExit, CacheNone:
	case CacheOnInactivity:
		if cfg.Cache.Idle <= 0 {
			return nil, errors.New("session: cache on-inactivity needs a positive Idle")
		}
	default:
		return nil, fmt.Errorf("session: unknown cache mode %q", cfg.Cache.Mode)
	}
	if cfg.ScavengeEvery <= 0 {
		cfg.ScavengeEvery = time.Minute
	}
	if cfg.Save == SavePeriod {
		if cfg.Cache.Mode == CacheNone {
			return nil, errors.New("session: save period needs a session cache to hold the changes it defers; cache none has none")
		}
		if cfg.SavePeriod <= 0 {
			cfg.SavePeriod = 10 * time.Second
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m := &Manager{cfg: cfg, store: store, cache: newCache(cfg.Cache, cfg.MaxInactive),
		log: cfg.Logger, stop: make(chan struct{}), done: make(chan struct{})}
	go m.scavenge()
	return m, nil
}

// Worker returns this node's route.
func (m *Manager) Worker() string { return m.cfg.Worker }

// Cached returns how many sessions this node holds in memory.
func (m *Manager) Cached() int { return m.cache.len() }

// Close stops the scavenger and writes the deferred saves; it does not
// close the store, which other Managers may share.
func (m *Manager) Close() error {
	m.closeOnce.Do(func() {
		close(m.stop)
		<-m.done
		m.flushDeferred(context.Background(), time.Now(), true)
	})
	return nil
}

// begin returns the request's session: the cached one, the stored one, or
// a new one. full is the id the client sent, "" for none.
func (m *Manager) begin(ctx context.Context, full string) *Session {
	now := time.Now()
	id, worker := splitID(full)
	if validID(id) {
		ours := worker == m.cfg.Worker
		if s := m.cache.acquire(id, ours, now); s != nil {
			if !ours {
				s.mu.Lock()
				s.reissue = true
				s.mu.Unlock()
			}
			return s
		}
		d, err := m.store.Load(ctx, id)
		switch {
		case err == nil:
			if !ours {
				// Jetty re-issues the cookie "to migrate the session":
				// the balancer then routes the client here from now on.
				m.log.Info("session taken over", "from", worker, "worker", m.cfg.Worker)
			}
			return m.cache.add(&Session{m: m, id: id, data: d, stored: true, reissue: !ours, lastSaved: d.Accessed}, now)
		case errors.Is(err, ErrCorrupt):
			m.log.Warn("unreadable session removed; starting a fresh one", "worker", m.cfg.Worker, "error", err.Error())
		case !errors.Is(err, ErrNotFound):
			// The client keeps its cookie: the new session below is saved
			// (and its cookie set) only if the store takes it.
			m.log.Error("session store: load failed", "worker", m.cfg.Worker, "error", err.Error())
		}
	}
	return m.cache.add(&Session{m: m, id: newID(), data: m.newData(now), reissue: true}, now)
}

func (m *Manager) newData(now time.Time) *Data {
	return &Data{Created: now, Accessed: now, MaxInactive: m.cfg.MaxInactive, Values: map[string]json.RawMessage{}}
}

// release ends a request's use of s.
func (m *Manager) release(s *Session) {
	s.mu.Lock()
	id, stored := s.id, s.stored
	s.mu.Unlock()
	m.cache.release(s, id, stored, time.Now())
}

// flush writes s as the save policy says at the end of a request (or at
// the response's commit); onlyDirty skips the writes of unchanged
// sessions (a second flush in one request).
func (m *Manager) flush(ctx context.Context, s *Session, onlyDirty bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.invalid.Load() {
		m.remove(ctx, s)
		return
	}
	now := time.Now()
	switch {
	case !s.dirty && (onlyDirty || !s.stored):
		return // unchanged, or new and never used: nothing to store
	case s.dirty && !s.stored:
	case m.cfg.Save == SaveAlways:
	case s.dirty && m.cfg.Save == SavePeriod && now.Sub(s.lastSaved) < m.cfg.SavePeriod:
		s.pending.Store(true)
		return
	case !s.dirty && now.Sub(s.lastSaved) < m.cfg.MaxInactive/4:
		return
	}
	if err := m.save(ctx, s, now); err != nil {
		m.log.Error("session store: save failed", "worker", m.cfg.Worker, "error", err.Error())
	}
}

// remove deletes an invalidated session from the store; s.mu is held.
func (m *Manager) remove(ctx context.Context, s *Session) {
	if !s.stored && s.oldID == "" {
		return
	}
	for _, id := range []string{s.id, s.oldID} {
		if id == "" {
			continue
		}
		if err := m.store.Delete(ctx, id); err != nil {
			m.log.Error("session store: delete failed", "worker", m.cfg.Worker, "error", err.Error())
		}
	}
	s.oldID = ""
	s.stored, s.dirty, s.changed = false, false, nil
	s.pending.Store(false)
}

// save writes s; s.mu is held. When another node saved first, it applies
// this node's changed attributes to the stored copy and tries again.
func (m *Manager) save(ctx context.Context, s *Session, now time.Time) error {
	for attempt := 1; ; attempt++ {
		s.data.Accessed = now
		err := m.store.Save(ctx, s.id, s.data, s.data.Version)
		if err == nil {
			m.saved(ctx, s, now)
			return nil
		}
		if !errors.Is(err, ErrConflict) || attempt == updateAttempts {
			return err
		}
		// Without changes this was a save to keep the session alive: if it
		// is gone, it stays gone.
		if ended, err := m.rebase(ctx, s, s.changed, now, s.dirty); ended || err != nil {
			return err
		}
	}
}

// saveUpdate writes s with the attributes an Update changed; s.mu is not
// held. On ErrConflict s holds the stored copy, ready for the next try.
func (m *Manager) saveUpdate(ctx context.Context, s *Session, changed map[string]json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.invalid.Load() {
		return nil
	}
	now := time.Now()
	d := s.data.clone()
	apply(d, changed)
	d.Accessed = now
	err := m.store.Save(ctx, s.id, d, s.data.Version)
	switch {
	case err == nil:
		s.data = d
		m.saved(ctx, s, now)
		return nil
	case errors.Is(err, ErrConflict):
		if _, err := m.rebase(ctx, s, s.changed, now, true); err != nil {
			return err
		}
		return ErrConflict
	}
	return err
}

// saved records a successful save; s.mu is held.
func (m *Manager) saved(ctx context.Context, s *Session, now time.Time) {
	s.stored, s.dirty, s.changed, s.lastSaved = true, false, nil, now
	s.pending.Store(false)
	if s.oldID != "" {
		if err := m.store.Delete(ctx, s.oldID); err != nil {
			m.log.Error("session store: removing the id replaced by ChangeID failed", "worker", m.cfg.Worker, "error", err.Error())
		}
		s.oldID = ""
	}
}

// rebase replaces s's data with the stored copy plus changed; s.mu is
// held. A session gone from the store is not brought back: with renew,
// the changes start a new session; without, s ends (ended).
func (m *Manager) rebase(ctx context.Context, s *Session, changed map[string]json.RawMessage, now time.Time, renew bool) (ended bool, err error) {
	d, err := m.store.Load(ctx, s.id)
	switch {
	case err == nil:
		apply(d, changed)
		s.data = d
		return false, nil
	case !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrCorrupt):
		return false, err
	case !renew:
		m.log.Info("session removed from the store meanwhile (invalidated elsewhere, expired, or the store lost it)", "worker", m.cfg.Worker)
		s.invalid.Store(true)
		s.stored, s.dirty, s.changed = false, false, nil
		return true, nil
	}
	m.log.Info("session removed from the store meanwhile; this request's changes start a new session", "worker", m.cfg.Worker)
	s.id = newID()
	s.data = m.newData(now)
	apply(s.data, changed)
	s.stored, s.dirty, s.reissue, s.oldID = false, true, true, ""
	return false, nil
}

// apply sets (or, for nil, deletes) the changed attributes in d.
func apply(d *Data, changed map[string]json.RawMessage) {
	for k, v := range changed {
		if v == nil {
			delete(d.Values, k)
		} else {
			d.Values[k] = v
		}
	}
}

// cookie returns the session cookie to set, or nil when the client's is
// current. A new id is sent only once the store holds it, so a failed
// save never replaces the client's cookie.
func (m *Manager) cookie(s *Session, secure bool) *http.Cookie {
	c := &http.Cookie{Name: m.cfg.CookieName, Path: m.cfg.CookiePath, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	if s.invalid.Load() {
		c.MaxAge = -1
		return c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.reissue || !s.stored {
		return nil
	}
	s.reissue = false
	c.Value = s.id + "." + m.cfg.Worker
	return c
}
