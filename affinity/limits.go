package affinity

import (
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

// SetLimits changes the table's bound and lifetime in place, for a
// configuration reload; lookups and puts go on meanwhile. Entries over the
// new bound are dropped, least recently put first; entries that would
// outlive the new lifetime counted from now are cut to it; entries put
// from now on live ttl. The table keeps the shards NewTable gave it: a
// bound below one entry a shard (64 for tables made with 2,048 entries or
// more) leaves some shards without room, so such keys are not remembered.
func (t *Table) SetLimits(size int, ttl time.Duration, now time.Time) {
	size = min(max(size, 1), math.MaxInt32)
	t.ttl.Store(int64(ttl))
	last := unixNano(now.Add(ttl))
	n := len(t.shards)
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		s.limit = shareOf(size, n, i)
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
}

// Limits returns the table's bound and lifetime.
func (t *Table) Limits() (size int, ttl time.Duration) {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		size += s.limit
		s.mu.Unlock()
	}
	return size, time.Duration(t.ttl.Load())
}
