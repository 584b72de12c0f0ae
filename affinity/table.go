package affinity

import (
	"hash/maphash"
	"sync"
	"time"
)

// Table is a bounded, concurrent map from session id to route with a time
// to live: the moved-session table (session → member that took it over)
// and the learned table (session id from a member's Set-Cookie → its
// route). Lookups do not allocate. When a shard is full, the oldest entry
// of the shard is evicted (each shard keeps its keys in insertion order).
type Table struct {
	ttl    time.Duration
	max    int // per shard
	seed   maphash.Seed
	shards [tableShards]shard
}

const tableShards = 64

type shard struct {
	mu    sync.Mutex
	m     map[string]entry
	order []string // insertion order, with stale keys skipped lazily
	head  int
}

type entry struct {
	route   string
	expires int64 // unix ns
}

// NewTable returns a table of at most max entries that forget an entry ttl
// after it was put.
func NewTable(max int, ttl time.Duration) *Table {
	per := max / tableShards
	if per < 1 {
		per = 1
	}
	t := &Table{ttl: ttl, max: per, seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].m = map[string]entry{}
	}
	return t
}

func (t *Table) shard(key []byte) *shard {
	return &t.shards[maphash.Bytes(t.seed, key)%tableShards]
}

// Get returns the route of key unless it expired.
func (t *Table) Get(key []byte, now time.Time) (string, bool) {
	s := t.shard(key)
	s.mu.Lock()
	e, ok := s.m[string(key)]
	s.mu.Unlock()
	if !ok || now.UnixNano() >= e.expires {
		return "", false
	}
	return e.route, true
}

// Put records key → route for the table's ttl from now.
func (t *Table) Put(key, route string, now time.Time) {
	t.PutUntil(key, route, now.Add(t.ttl))
}

// PutUntil records key → route until expires (entries from other
// replicas keep their own expiry).
func (t *Table) PutUntil(key, route string, expires time.Time) {
	s := t.shard([]byte(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.m[key]; !exists {
		for len(s.m) >= t.max {
			s.evictOldest()
		}
		s.order = append(s.order, key)
	}
	s.m[key] = entry{route: route, expires: expires.UnixNano()}
	if s.head > len(s.order)/2 && s.head > 64 {
		s.order = append(s.order[:0:0], s.order[s.head:]...)
		s.head = 0
	}
}

// evictOldest drops the oldest key still present.
func (s *shard) evictOldest() {
	for s.head < len(s.order) {
		k := s.order[s.head]
		s.order[s.head] = ""
		s.head++
		if _, ok := s.m[k]; ok {
			delete(s.m, k)
			return
		}
	}
	// order lost track (should not happen): drop any entry.
	for k := range s.m {
		delete(s.m, k)
		return
	}
}

// Delete forgets key.
func (t *Table) Delete(key []byte) {
	s := t.shard(key)
	s.mu.Lock()
	delete(s.m, string(key))
	s.mu.Unlock()
}

// Len returns how many entries the table holds (expired ones included
// until they are evicted or swept).
func (t *Table) Len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// CountByRoute counts live entries per route and sweeps expired ones.
func (t *Table) CountByRoute(now time.Time) map[string]int {
	out := map[string]int{}
	ns := now.UnixNano()
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for k, e := range s.m {
			if ns >= e.expires {
				delete(s.m, k)
				continue
			}
			out[e.route]++
		}
		s.mu.Unlock()
	}
	return out
}
