package affinity

import (
	"hash/maphash"
	"math"
	"time"
)

// shareOf is shard i's part of a bound of size entries over n shards.
func shareOf(size, n, i int) int {
	share := size / n
	if i < size%n {
		share++
	}
	return share
}

// SetLimits changes the table's bound and lifetime, for a configuration
// reload; lookups and puts go on meanwhile. Entries over the new bound
// are dropped, each shard's least recently put first; entries that would
// outlive the new lifetime counted from now are cut to it; entries put
// from now on live ttl. When the bound calls for another number of
// shards, the entries move to new shards (one lock at a time is all a
// lookup ever holds, so it waits for the move and then looks there).
func (t *Table) SetLimits(size int, ttl time.Duration, now time.Time) {
	t.limMu.Lock()
	defer t.limMu.Unlock()
	size = min(max(size, 1), math.MaxInt32)
	t.ttl.Store(int64(ttl))
	last := unixNano(now.Add(ttl))
	old := t.lay.Load()
	next := newLayout(size)
	if len(next.shards) == len(old.shards) {
		for i := range old.shards {
			s := &old.shards[i]
			s.mu.Lock()
			s.limit = next.shards[i].limit
			for len(s.index) > s.limit {
				s.remove(s.head)
			}
			for j := s.head; j != none; j = s.slots[j].next {
				if e := &s.slots[j]; e.expires > last {
					e.expires = last
				}
			}
			s.mu.Unlock()
		}
		return
	}
	for i := range old.shards {
		old.shards[i].mu.Lock()
	}
	seen := int64(math.MinInt64)
	for i := range old.shards {
		seen = max(seen, old.shards[i].now)
	}
	for i := range next.shards {
		next.shards[i].now = seen
	}
	for i := range old.shards {
		s := &old.shards[i]
		for j := s.head; j != none; j = s.slots[j].next {
			e := &s.slots[j]
			d := &next.shards[maphash.String(t.seed, e.key)&next.mask]
			d.put(e.key, e.route, min(e.expires, last))
		}
	}
	t.lay.Store(next)
	for i := range old.shards {
		s := &old.shards[i]
		s.gone = true
		s.index, s.slots = nil, nil
		s.head, s.tail, s.free = none, none, none
		s.mu.Unlock()
	}
}

// Limits returns the table's bound and lifetime.
func (t *Table) Limits() (size int, ttl time.Duration) {
	shards := t.lay.Load().shards
	for i := range shards {
		s := &shards[i]
		s.mu.Lock()
		size += s.limit
		s.mu.Unlock()
	}
	return size, time.Duration(t.ttl.Load())
}
