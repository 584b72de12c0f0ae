// Package session gives Go app nodes the clustered HTTP sessions Jetty
// gives Java: session ids that carry the node's route ("<id>.<worker>") so
// a sticky balancer routes by them; a session cache with Jetty's eviction
// policies; data stores (memory, file, Redis) from which any node loads a
// session another node wrote, so a node takes a session over when its
// first node dies; and a cookie re-issued with the new node's suffix when
// it does, so the balancer's stickiness follows the move.
//
// A node makes one Manager (New) over a Store (NewMemoryStore,
// NewFileStore, NewRedisStore, or OpenStore from a command-line spec) and
// wraps its handler with Manager.Middleware (net/http) or
// Manager.FastHTTP; handlers find the request's session with FromContext
// or FromFastHTTP. The id comes from the cookie (JSESSIONID by default) or
// the ";jsessionid=" path parameter; values are JSON, stored in a
// versioned envelope.
//
// # Concurrency guarantee
//
// Every stored session carries a version, and a save succeeds only on the
// version the node loaded (optimistic concurrency: a compare-and-set in
// the store). On top of that:
//
//   - Update is read-modify-write with no lost update: fn runs on the
//     freshest copy and its changes are saved at once; when another node
//     saved in between, fn runs again on the new copy (up to 50 times).
//     Updates of one session on one node run one at a time. So n Updates
//     that return nil, from any number of requests on any number of nodes,
//     are n changes applied one after the other (a counter incremented by
//     n requests grows by exactly n).
//   - Set and Delete are saved when the request ends (or later, with
//     SavePeriod). When another node saved first, the node loads the
//     stored copy and applies the attributes this node changed on top of
//     it (per-attribute merge): attributes changed only by the other node
//     are kept, and for an attribute both changed, the later save wins.
//   - A session removed from the store meanwhile (invalidated on another
//     node, expired, or lost by the store) is never brought back: the
//     request's changes start a new session, with a new id and cookie.
//
// Requests for one session on one node share one *Session (unless the
// cache policy is none); its methods are safe for concurrent use.
package session

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// updateAttempts bounds Update's retries under contention from other nodes.
const updateAttempts = 50

// Session is one user's session on this node.
type Session struct {
	m *Manager
	// parent is set on the copy an Update function works on.
	parent *Session

	// update makes Updates of this session on this node take turns: their
	// read-modify-write spans several calls, which s.mu alone cannot
	// protect.
	update sync.Mutex

	// mu guards the fields below. It is held during this session's store
	// I/O, so that a save sees no half-made change.
	mu   sync.Mutex
	id   string // without the worker suffix
	data *Data
	// changed holds the attributes set (nil: deleted) since the last save,
	// to re-apply on the stored copy when another node saved first.
	changed   map[string]json.RawMessage
	dirty     bool   // data differs from the store's
	stored    bool   // the store holds id (false: new, renewed, or renamed by ChangeID)
	reissue   bool   // the client's cookie must be set
	oldID     string // removed from the store once the new id is saved
	lastSaved time.Time

	invalid atomic.Bool
	pending atomic.Bool // a deferred save (SavePeriod) waits for the flusher

	// Cache bookkeeping, guarded by the cache's mutex.
	refs     int
	lastUse  time.Time
	cachedAs string
}

// root is the session an Update copy stands for.
func (s *Session) root() *Session {
	if s.parent != nil {
		return s.parent
	}
	return s
}

// ID returns the session id as the client sees it: "<id>.<worker>".
func (s *Session) ID() string {
	r := s.root()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.id + "." + r.m.cfg.Worker
}

// IsNew reports whether the session is not stored yet: the client has not
// been given its id.
func (s *Session) IsNew() bool {
	r := s.root()
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.stored
}

// Get decodes the value of key into v and reports whether key exists.
func (s *Session) Get(key string, v any) (bool, error) {
	s.mu.Lock()
	raw, ok := s.data.Values[key]
	s.mu.Unlock()
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

// Set stores v, encoded as JSON, under key.
func (s *Session) Set(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.data.Values[key] = b
	s.change(key, b)
	s.mu.Unlock()
	return nil
}

// Delete removes key.
func (s *Session) Delete(key string) {
	s.mu.Lock()
	if _, ok := s.data.Values[key]; ok {
		delete(s.data.Values, key)
		s.change(key, nil)
	}
	s.mu.Unlock()
}

// change records a changed attribute; s.mu is held.
func (s *Session) change(key string, b json.RawMessage) {
	if s.changed == nil {
		s.changed = map[string]json.RawMessage{}
	}
	s.changed[key] = b
	s.dirty = true
}

// Invalidate ends the session: it is removed from the store and the
// client's cookie is cleared.
func (s *Session) Invalidate() {
	s.root().invalid.Store(true)
}

// ChangeID gives the session a new id and keeps its values. Call it when
// a user logs in, against session fixation. The old id is removed from the
// store once the session is saved under the new one.
func (s *Session) ChangeID() {
	r := s.root()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stored && r.oldID == "" {
		r.oldID = r.id
	}
	r.id = newID()
	r.data.Version = 0
	r.stored, r.dirty, r.reissue = false, true, true
}

// Update runs fn on the freshest copy of the session and saves its changes
// at once, whatever the save policy; when another node saved in between,
// it runs fn again on the new copy (see the package's concurrency
// guarantee). Use it for read-modify-write changes such as counters. fn
// may run several times, so it must not have other effects; the *Session
// it gets is a copy valid during the call only.
func (s *Session) Update(ctx context.Context, fn func(*Session) error) error {
	if s.parent != nil {
		return fn(s) // nested in an Update already
	}
	s.update.Lock()
	defer s.update.Unlock()
	for attempt := 1; ; attempt++ {
		s.mu.Lock()
		view := &Session{m: s.m, parent: s, data: s.data.clone()}
		s.mu.Unlock()
		if err := fn(view); err != nil {
			return err
		}
		err := s.m.saveUpdate(ctx, s, view.changed)
		if err != ErrConflict || attempt == updateAttempts {
			return err
		}
		// Another node saved first; s holds its copy now. A random pause
		// that grows keeps two nodes from colliding in step.
		pause := time.Duration(rand.Int64N(int64(attempt) * int64(100*time.Microsecond)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}
