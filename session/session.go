// Package session gives Go app nodes the clustered HTTP sessions Jetty
// gives Java: session ids suffixed with the node's route
// ("<id>.<worker>"), so a sticky balancer routes by them; a session cache
// with Jetty's eviction policies; data stores (memory, file, Redis) every
// node can load from, so a node takes over a session when another dies;
// and a cookie re-issued with the new node's suffix when it does, so the
// balancer's stickiness follows the move.
//
// Concurrency guarantee: saves are optimistic (each session carries a
// version; a save succeeds only on the version it loaded). Changes made
// with Update are retried on a fresh copy when another node saved first,
// so no update made through Update is ever lost, even when two nodes
// change one session at the same time. Plain Set/Delete are saved at the
// end of the request; if another node saved the session meanwhile, that
// request's changes are dropped and logged (first saver wins) rather than
// overwriting the other node's.
package session

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"time"
)

// Session is one user's session on this node. Its methods are safe for
// concurrent use by the requests that share it.
type Session struct {
	m *Manager

	mu        sync.Mutex
	id        string // without the worker suffix
	data      *Data
	dirty     bool
	isNew     bool // not yet in the store
	invalid   bool
	reissue   bool // the client's cookie must be (re)set
	oldID     string
	lastSaved time.Time
	refs      int
	lastUse   time.Time
}

// ID returns the session id as the client sees it: "<id>.<worker>".
func (s *Session) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id + "." + s.m.cfg.Worker
}

// Get decodes the value of key into v and reports whether it exists.
func (s *Session) Get(key string, v any) (bool, error) {
	s.mu.Lock()
	raw, ok := s.data.Values[key]
	s.mu.Unlock()
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

// Set stores v (encoded as JSON) under key.
func (s *Session) Set(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.data.Values[key] = b
	s.dirty = true
	s.mu.Unlock()
	return nil
}

// Delete removes key.
func (s *Session) Delete(key string) {
	s.mu.Lock()
	if _, ok := s.data.Values[key]; ok {
		delete(s.data.Values, key)
		s.dirty = true
	}
	s.mu.Unlock()
}

// Invalidate ends the session: it is removed from the store and the
// client's cookie is cleared.
func (s *Session) Invalidate() {
	s.mu.Lock()
	s.invalid = true
	s.mu.Unlock()
}

// ChangeID gives the session a new id, keeping its values (call it on
// login, against session fixation). The old id is removed from the store.
func (s *Session) ChangeID() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.isNew {
		s.oldID = s.id
	}
	s.id = newID()
	s.isNew, s.dirty, s.reissue = true, true, true
	s.data.Version = 0
}

// Update runs fn on the freshest copy of the session and saves at once;
// when another node saved in between, it reloads and runs fn again (up to
// 50 times, with a short random pause that grows). Use it for
// read-modify-write changes such as counters.
func (s *Session) Update(ctx context.Context, fn func(*Session) error) error {
	for attempt := 0; ; attempt++ {
		if err := fn(s); err != nil {
			return err
		}
		err := s.m.save(ctx, s, true)
		if err != ErrConflict || attempt >= 49 {
			return err
		}
		time.Sleep(time.Duration(rand.Int64N(int64(attempt+1) * int64(200*time.Microsecond))))
		if err := s.m.reload(ctx, s); err != nil {
			return err
		}
	}
}
