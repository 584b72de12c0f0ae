package affinity

import (
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Table is a bounded, concurrent map from session id to route whose
// entries expire: the moved-session table (session → the member that took
// it over after a failover) and the learned table (session id from a
// member's Set-Cookie → that member's route). It is local; a replication
// layer copies entries in with PutUntil, keeping their expiry.
//
// The table is split into shards, each under its own mutex, holding an
// even share of the bound and its entries in the order they were last put
// (so a shard may fill up a little before the table does). A shard that is
// full drops its least recently put entry; every Put first drops up to two expired
// entries from that end, and a lookup that meets an expired entry drops
// it. No operation on the request path scans the table. Expired entries
// are never returned.
type Table struct {
	ttl  atomic.Int64 // time.Duration; SetLimits changes it
	seed maphash.Seed
	lay  atomic.Pointer[layout] // SetLimits may replace it
	// limMu serialises SetLimits.
	limMu sync.Mutex
}

// layout is a table's shards; a SetLimits that changes their number moves
// every entry to a new layout and marks the old shards gone.
type layout struct {
	mask   uint64
	shards []shard
}

// maxShards bounds the shards of a table; minPerShard keeps small tables
// from being split so finely that one shard's share of the bound is tiny.
const (
	maxShards   = 64
	minPerShard = 16
)

// shard is one lock's worth of a Table. Entries live in slots, linked in
// put order from head (least recent) to tail; unused slots form a free
// list through next.
type shard struct {
	mu    sync.Mutex
	index map[string]int32 // key → slot
	slots []slot
	limit int   // most entries this shard holds
	head  int32 // least recently put, or none
	tail  int32 // most recently put, or none
	free  int32 // first unused slot, or none
	now   int64 // latest time a caller gave this shard, unix ns: PutUntil has none
	gone  bool  // its entries moved to a newer layout: look there
	// entries is len(index), readable without mu: a lookup in an empty
	// shard (the moved-session table is empty but after a failover)
	// takes no lock.
	entries atomic.Int32
	_       [64]byte // keeps neighbouring shards' locks off one cache line
}

// none marks the end of a slot list.
const none = -1

type slot struct {
	key, route string
	expires    int64 // unix ns
	prev, next int32
}

// NewTable returns a table holding at most size entries (at least one),
// each forgotten ttl after it was last put. A ttl of zero or less makes
// Put's entries expire at once.
func NewTable(size int, ttl time.Duration) *Table {
	t := &Table{seed: maphash.MakeSeed()}
	t.ttl.Store(int64(ttl))
	t.lay.Store(newLayout(size))
	return t
}

// newLayout shares a bound of size entries (at least one) among as many
// shards as keep at least minPerShard entries each, up to maxShards.
func newLayout(size int) *layout {
	size = min(max(size, 1), math.MaxInt32)
	n := 1
	for n < maxShards && n*2*minPerShard <= size {
		n *= 2
	}
	l := &layout{mask: uint64(n - 1), shards: make([]shard, n)}
	for i := range l.shards {
		s := &l.shards[i]
		s.limit = shareOf(size, n, i)
		s.index = make(map[string]int32)
		s.head, s.tail, s.free = none, none, none
		s.now = math.MinInt64
	}
	return l
}

// Get returns key's route unless it is absent or expired at now. It does
// not allocate.
func (t *Table) Get(key []byte, now time.Time) (route string, ok bool) {
	s := t.lockShardHolding(key)
	if s == nil {
		return "", false
	}
	defer s.mu.Unlock()
	i, found := s.live(key, unixNano(now))
	if !found {
		return "", false
	}
	return s.slots[i].route, true
}

// Put records key → route for the table's ttl from now.
func (t *Table) Put(key, route string, now time.Time) {
	s := t.lockShardString(key)
	ns := unixNano(now)
	defer s.mu.Unlock()
	s.see(ns)
	s.put(key, route, unixNano(now.Add(time.Duration(t.ttl.Load()))))
}

// Touch renews key's entry for the table's ttl from now, as Put would,
// when it is live at now and holds route, and reports whether it did;
// otherwise it changes nothing (but drops the entry if expired). Unlike Put it takes the key as bytes and
// does not allocate, so a caller that records every request as "last
// seen" pays for a Put only the first time.
func (t *Table) Touch(key []byte, route string, now time.Time) bool {
	s := t.lockShardHolding(key)
	if s == nil {
		return false
	}
	defer s.mu.Unlock()
	i, found := s.live(key, unixNano(now))
	if !found || s.slots[i].route != route {
		return false
	}
	s.renew(i, route, unixNano(now.Add(time.Duration(t.ttl.Load()))))
	return true
}

// PutUntil records key → route until expires, for entries that carry
// their own expiry (copies from other replicas).
func (t *Table) PutUntil(key, route string, expires time.Time) {
	s := t.lockShardString(key)
	defer s.mu.Unlock()
	s.put(key, route, unixNano(expires))
}

// Delete forgets key.
func (t *Table) Delete(key []byte) {
	s := t.lockShardHolding(key)
	if s == nil {
		return
	}
	defer s.mu.Unlock()
	if i, found := s.index[string(key)]; found {
		s.remove(i)
	}
}

// Len returns how many entries the table holds, counting expired ones not
// yet dropped.
func (t *Table) Len() int {
	n := 0
	shards := t.lay.Load().shards
	for i := range shards {
		s := &shards[i]
		s.mu.Lock()
		n += len(s.index)
		s.mu.Unlock()
	}
	return n
}

// CountByRoute counts the entries live at now per route, dropping the
// expired ones it meets. It visits every entry: it is for the manager's
// page and metrics, not for the request path.
func (t *Table) CountByRoute(now time.Time) map[string]int {
	out := make(map[string]int)
	ns := unixNano(now)
	shards := t.lay.Load().shards
	for i := range shards {
		s := &shards[i]
		s.mu.Lock()
		s.see(ns)
		for j := s.head; j != none; {
			e := &s.slots[j]
			next := e.next
			if ns < e.expires {
				out[e.route]++
			} else {
				s.remove(j)
			}
			j = next
		}
		s.mu.Unlock()
	}
	return out
}

// Range calls f with every entry live at now, one shard at a time, until f
// returns false. f runs outside the table's locks, so it may use the
// table; entries put or deleted meanwhile may or may not be seen.
func (t *Table) Range(now time.Time, f func(key, route string, expires time.Time) bool) {
	ns := unixNano(now)
	var batch []slot
	shards := t.lay.Load().shards
	for i := range shards {
		s := &shards[i]
		batch = batch[:0]
		s.mu.Lock()
		for j := s.head; j != none; j = s.slots[j].next {
			if e := s.slots[j]; ns < e.expires {
				batch = append(batch, e)
			}
		}
		s.mu.Unlock()
		for _, e := range batch {
			if !f(e.key, e.route, time.Unix(0, e.expires)) {
				return
			}
		}
	}
}

// lockShardHolding returns key's shard, locked, for a lookup: nil,
// without locking, when key's shard holds no entry (the moved-session
// table is empty but after a failover). A shard a SetLimits is moving keeps its count until
// it is marked gone, and a gone shard's keys are all in the newer layout;
// so an empty shard in any layout means key was absent when the lookup
// began.
func (t *Table) lockShardHolding(key []byte) *shard {
	h := maphash.Bytes(t.seed, key)
	for {
		l := t.lay.Load()
		s := &l.shards[h&l.mask]
		if s.entries.Load() == 0 {
			return nil
		}
		s.mu.Lock()
		if !s.gone {
			return s
		}
		s.mu.Unlock()
	}
}

// lockShardString returns key's shard, locked. It agrees with
// lockShardHolding: maphash hashes a string and its bytes alike.
func (t *Table) lockShardString(key string) *shard {
	for {
		l := t.lay.Load()
		s := &l.shards[maphash.String(t.seed, key)&l.mask]
		s.mu.Lock()
		if !s.gone {
			return s
		}
		s.mu.Unlock()
	}
}

// see advances the shard's idea of the present.
func (s *shard) see(ns int64) {
	if ns > s.now {
		s.now = ns
	}
}

// put stores or refreshes an entry, making it the most recent.
func (s *shard) put(key, route string, expires int64) {
	i, found := s.index[key]
	if found {
		s.renew(i, route, expires)
		return
	}
	// Drop expired entries faster than entries come in, so that a table
	// that is not full does not keep dead entries for long.
	for range 2 {
		if s.head == none || s.slots[s.head].expires > s.now {
			break
		}
		s.remove(s.head)
	}
	if expires <= s.now {
		return
	}
	if len(s.index) >= s.limit {
		s.remove(s.head)
	}
	i = s.free
	if i != none {
		s.free = s.slots[i].next
	} else {
		s.slots = append(s.slots, slot{})
		i = int32(len(s.slots) - 1)
	}
	s.slots[i] = slot{key: key, route: route, expires: expires}
	s.index[key] = i
	s.entries.Add(1)
	s.pushTail(i)
}

// live returns key's slot unless it is absent or expired at ns, in which
// case it is dropped; ns is also the shard's latest time.
func (s *shard) live(key []byte, ns int64) (int32, bool) {
	s.see(ns)
	i, found := s.index[string(key)]
	if !found {
		return none, false
	}
	if ns >= s.slots[i].expires {
		s.remove(i)
		return none, false
	}
	return i, true
}

// renew gives slot i route and expires, making it the most recently put;
// an expiry already past drops it.
func (s *shard) renew(i int32, route string, expires int64) {
	if expires <= s.now {
		s.remove(i)
		return
	}
	e := &s.slots[i]
	e.route, e.expires = route, expires
	s.unlink(i)
	s.pushTail(i)
}

// remove forgets slot i and frees it.
func (s *shard) remove(i int32) {
	delete(s.index, s.slots[i].key)
	s.entries.Add(-1)
	s.unlink(i)
	s.slots[i] = slot{next: s.free} // let the strings go
	s.free = i
}

func (s *shard) unlink(i int32) {
	e := &s.slots[i]
	if e.prev != none {
		s.slots[e.prev].next = e.next
	} else {
		s.head = e.next
	}
	if e.next != none {
		s.slots[e.next].prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = none, none
}

func (s *shard) pushTail(i int32) {
	e := &s.slots[i]
	e.prev, e.next = s.tail, none
	if s.tail != none {
		s.slots[s.tail].next = i
	} else {
		s.head = i
	}
	s.tail = i
}

// unixNano is t.UnixNano clamped to int64, whose result is undefined
// beyond the years 1678–2262 (a replica's expiry could be anything).
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}
