package session

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// MemoryStore keeps sessions in this process, encoded as the other stores
// keep them, so that no two nodes or requests ever share a value's memory.
// Several nodes in one process (the demo) can share one MemoryStore.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]memEntry
}

type memEntry struct {
	version int64
	b       []byte
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{m: map[string]memEntry{}}
}

// Load implements Store.
func (s *MemoryStore) Load(_ context.Context, id string) (*Data, error) {
	s.mu.Lock()
	e, ok := s.m[id]
	s.mu.Unlock()
	if !ok {
		return nil, ErrNotFound
	}
	d, err := decode(e.b)
	if err != nil {
		s.removeIf(id, e.b)
		return nil, err
	}
	if d.Expired(time.Now()) {
		return nil, ErrNotFound
	}
	return d, nil
}

// removeIf deletes id only if it still holds b, so that a good save made
// meanwhile is not lost to the removal of the bad data it replaced.
func (s *MemoryStore) removeIf(id string, b []byte) {
	s.mu.Lock()
	if e, ok := s.m[id]; ok && bytes.Equal(e.b, b) {
		delete(s.m, id)
	}
	s.mu.Unlock()
}

// Save implements Store.
func (s *MemoryStore) Save(_ context.Context, id string, d *Data, expected int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[id].version != expected {
		return ErrConflict
	}
	d.Version = expected + 1
	s.m[id] = memEntry{version: d.Version, b: encode(d)}
	return nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
	return nil
}

// Scavenge implements Scavenger.
func (s *MemoryStore) Scavenge(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, e := range s.m {
		if d, err := decode(e.b); err != nil || d.Expired(now) {
			delete(s.m, id)
			n++
		}
	}
	return n, nil
}

// Len returns how many sessions the store holds, expired ones included
// until the scavenger removes them.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
