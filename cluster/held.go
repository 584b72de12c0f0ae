package cluster

import (
	"cmp"
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Each replica counts the sticky sessions its members hold and its
// requests in flight to them; a draining member is safe to stop only when
// no replica has either. Every second (with the health ping) a replica
// writes its counts into one hash, <prefix>held, under its origin, and
// reads the others'. A replica's entry carries a sequence number that
// grows with every write: an entry whose number did not move for
// heldStale (by this replica's clock, so the replicas' clocks need not
// agree) is a replica that stopped, and no longer counts.

// HeldCount is one replica's share of a member's load.
type HeldCount struct {
	// Sessions counts the sticky sessions the replica saw reach the
	// member within the sessions window.
	Sessions int `json:"s,omitempty"`
	// Busy counts the replica's requests in flight to it.
	Busy int64 `json:"f,omitempty"`
}

// HeldMember names a member: its balancer and URL.
type HeldMember struct{ Balancer, URL string }

// Elsewhere is what the other replicas sharing the store report of the
// members.
type Elsewhere struct {
	// Known is false while the store is unreachable: then nothing is
	// known of the other replicas.
	Known bool
	// Replicas counts the other replicas heard from.
	Replicas int
	// Members sums their counts by member; members without any are absent.
	Members map[HeldMember]HeldCount
}

// heldStale is how long an entry whose sequence number does not move
// still counts; heldForget is when it is removed from the hash; heldTTL
// keeps the hash from outliving every replica.
const (
	heldStale  = 5 * time.Second
	heldForget = time.Minute
	heldTTL    = time.Minute
)

// heldRecord is a replica's entry in the hash.
type heldRecord struct {
	Seq     int64        `json:"n"`
	Members []heldMember `json:"m,omitempty"`
}

type heldMember struct {
	Balancer string `json:"b"`
	URL      string `json:"u"`
	HeldCount
}

// heldState is the store's side of the exchange.
type heldState struct {
	mu    sync.Mutex
	seq   int64
	seen  map[string]heldSeen // origin → its entry's last change
	known bool
	other Elsewhere
	stale time.Duration // heldStale unless a test shortens it
}

type heldSeen struct {
	seq int64
	at  time.Time
}

// Elsewhere returns the other replicas' counts as last read.
func (s *Store) Elsewhere() Elsewhere {
	s.held.mu.Lock()
	defer s.held.mu.Unlock()
	if !s.held.known || !s.up.Load() {
		return Elsewhere{}
	}
	return s.held.other
}

// shareHeld writes this replica's counts and reads the others'.
func (s *Store) shareHeld(ctx context.Context) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	if h == nil {
		return
	}
	s.held.mu.Lock()
	s.held.seq++
	rec := heldRecord{Seq: s.held.seq}
	s.held.mu.Unlock()
	h.Held(func(balancer, url string, c HeldCount) {
		if c != (HeldCount{}) {
			rec.Members = append(rec.Members, heldMember{balancer, url, c})
		}
	})
	b, _ := json.Marshal(rec)
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	key := s.key("held")
	pipe := s.rdb.TxPipeline()
	pipe.HSet(cctx, key, s.origin, b)
	pipe.Expire(cctx, key, heldTTL)
	all := pipe.HGetAll(cctx, key)
	if _, err := pipe.Exec(cctx); err != nil {
		s.held.mu.Lock()
		s.held.known = false
		s.held.mu.Unlock()
		return
	}
	now := time.Now()
	other := Elsewhere{Known: true, Members: map[HeldMember]HeldCount{}}
	var gone []string
	s.held.mu.Lock()
	if s.held.seen == nil {
		s.held.seen = map[string]heldSeen{}
	}
	live := map[string]bool{}
	stale := cmp.Or(s.held.stale, heldStale)
	for origin, v := range all.Val() {
		if origin == s.origin {
			continue
		}
		var r heldRecord
		if json.Unmarshal([]byte(v), &r) != nil {
			gone = append(gone, origin)
			continue
		}
		live[origin] = true
		last, ok := s.held.seen[origin]
		if !ok || last.seq != r.Seq {
			last = heldSeen{seq: r.Seq, at: now}
			s.held.seen[origin] = last
		}
		age := now.Sub(last.at)
		if age >= heldForget {
			gone = append(gone, origin)
		}
		if age >= stale {
			continue
		}
		other.Replicas++
		for _, m := range r.Members {
			k := HeldMember{m.Balancer, m.URL}
			c := other.Members[k]
			c.Sessions += m.Sessions
			c.Busy += m.Busy
			other.Members[k] = c
		}
	}
	for origin := range s.held.seen {
		if !live[origin] {
			delete(s.held.seen, origin)
		}
	}
	s.held.known, s.held.other = true, other
	s.held.mu.Unlock()
	if len(gone) > 0 {
		s.rdb.HDel(cctx, key, gone...)
	}
}
