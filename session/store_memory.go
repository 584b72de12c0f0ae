package session

import (
	"context"
	"sync"
	"time"
)

// MemoryStore keeps sessions in this process, encoded as other stores do
// (so values never alias between requests). Several app nodes in one
// process (the demo) can share one.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string][]byte
	v  map[string]int64
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{m: map[string][]byte{}, v: map[string]int64{}}
}

// Load implements Store.
func (s *MemoryStore) Load(_ context.Context, id string) (*Data, error) {
	s.mu.Lock()
	b, ok := s.m[id]
	s.mu.Unlock()
	if !ok {
		return nil, ErrNotFound
	}
	d, err := decode(b)
	if err != nil {
		s.Delete(context.Background(), id)
		return nil, err
	}
	if d.Expired(time.Now()) {
		return nil, ErrNotFound
	}
	return d, nil
}

// Save implements Store.
func (s *MemoryStore) Save(_ context.Context, id string, d *Data, expected int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.v[id] != expected {
		return ErrConflict
	}
	d.Version = expected + 1
	b, err := encode(d)
	if err != nil {
		d.Version = expected
		return err
	}
	s.m[id], s.v[id] = b, d.Version
	return nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	delete(s.m, id)
	delete(s.v, id)
	s.mu.Unlock()
	return nil
}

// Scavenge implements Scavenger.
func (s *MemoryStore) Scavenge(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, b := range s.m {
		d, err := decode(b)
		if err != nil || d.Expired(now) {
			delete(s.m, id)
			delete(s.v, id)
			n++
		}
	}
	return n, nil
}

// put stores raw bytes (tests of corrupt data).
func (s *MemoryStore) put(id string, b []byte) {
	s.mu.Lock()
	s.m[id] = b
	s.mu.Unlock()
}
