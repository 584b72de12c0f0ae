package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sticky table entries live under <prefix>s:<table>:<balancer>:<sid> with
// the entry's own expiry, and each write is announced on the events
// channel so other replicas copy it into their local table at once.

type sessionWrite struct {
	Balancer string `json:"b"`
	Table    string `json:"k"`
	SID      string `json:"s"`
	Route    string `json:"r"`
	Expires  int64  `json:"e"` // unix ms
}

// PutSession records a sticky table entry for every replica. It never
// blocks the request path: writes beyond the per-second write budget, or
// while the writer is behind or Redis is away, are dropped and counted
// (Stats) — the local table still has the entry.
func (s *Store) PutSession(balancer, table, sid, route string, expires time.Time) {
	if !s.up.Load() {
		s.c.dropDown.Add(1)
		return
	}
	if !s.writeBudget.take() {
		s.c.dropBudget.Add(1)
		return
	}
	select {
	case s.writes <- sessionWrite{balancer, table, sid, route, expires.UnixMilli()}:
	default:
		s.c.dropQueue.Add(1)
	}
}

// GetSession looks an entry up in Redis, waiting at most the configured
// time budget; a timeout or an unreachable Redis is a miss. Absent entries
// are remembered for a moment (negative cache, bounded), and lookups
// beyond the per-second lookup budget are misses without asking Redis, so
// made-up session ids cost Redis a bounded rate of round trips.
func (s *Store) GetSession(balancer, table, sid string) (string, bool) {
	if !s.up.Load() {
		return "", false
	}
	nk := balancer + "\x00" + table + "\x00" + sid
	if _, absent := s.negative.Get([]byte(nk), time.Now()); absent {
		s.c.negative.Add(1)
		return "", false
	}
	if !s.lookupBudget.take() {
		s.c.lookupsOverBudget.Add(1)
		return "", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.budget)
	defer cancel()
	v, err := s.rdb.Get(ctx, s.key("s", table, balancer, sid)).Result()
	switch {
	case err == nil:
		s.c.found.Add(1)
		return v, true
	case errors.Is(err, redis.Nil):
		s.c.absent.Add(1)
		s.negative.Put(nk, "", time.Now())
	default:
		s.c.failed.Add(1)
	}
	return "", false
}

func (s *Store) writer(ctx context.Context) {
	defer s.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case w := <-s.writes:
			ttl := time.Until(time.UnixMilli(w.Expires))
			if ttl <= 0 {
				continue
			}
			msg, _ := json.Marshal(event{Kind: "s", Origin: s.origin, Session: &w})
			wctx, cancel := context.WithTimeout(ctx, time.Second)
			_, err := s.rdb.Pipelined(wctx, func(p redis.Pipeliner) error {
				p.Set(wctx, s.key("s", w.Table, w.Balancer, w.SID), w.Route, ttl)
				p.Publish(wctx, s.key("events"), msg)
				return nil
			})
			cancel()
			if err != nil {
				s.c.writeErrors.Add(1)
				s.log.Debug("shared store write failed", "error", err.Error())
			} else {
				s.c.writes.Add(1)
			}
		}
	}
}

// loadSessions copies every live entry into the local tables (after a
// reconnect, or at start).
func (s *Store) loadSessions(ctx context.Context) {
	h := s.handler()
	if h == nil {
		return
	}
	scan := func(ctx context.Context, c redis.UniversalClient) error {
		iter := c.Scan(ctx, 0, s.key("s", "*"), 1000).Iterator()
		var keys []string
		flush := func() error {
			if len(keys) == 0 {
				return nil
			}
			vals := make([]*redis.StringCmd, len(keys))
			ttls := make([]*redis.DurationCmd, len(keys))
			_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, k := range keys {
					vals[i] = p.Get(ctx, k)
					ttls[i] = p.PTTL(ctx, k)
				}
				return nil
			})
			if err != nil && !errors.Is(err, redis.Nil) {
				return err
			}
			now := time.Now()
			for i, k := range keys {
				v, err1 := vals[i].Result()
				ttl, err2 := ttls[i].Result()
				if err1 != nil || err2 != nil || ttl <= 0 {
					continue
				}
				parts := strings.SplitN(strings.TrimPrefix(k, s.key("s")+":"), ":", 3)
				if len(parts) == 3 {
					h.Session(parts[1], parts[0], parts[2], v, now.Add(ttl))
				}
			}
			keys = keys[:0]
			return nil
		}
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 500 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	}
	var err error
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, s.rdb)
	}
	if err != nil {
		s.log.Warn("shared store: reading sticky tables failed", "error", err.Error())
	}
}

func (s *Store) handler() Handler {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.h
}

// reannounce writes this replica's sticky tables back to a store that
// lost them, keeping each entry's expiry. It is bounded by the local
// tables' size (maxsessions per table) and pipelined in batches; other
// replicas keep their own copies, so nothing is published.
func (s *Store) reannounce(ctx context.Context) {
	h := s.handler()
	if h == nil {
		return
	}
	const batch = 500
	var ws []sessionWrite
	var n int64
	flush := func() bool {
		if len(ws) == 0 {
			return true
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := s.rdb.Pipelined(wctx, func(p redis.Pipeliner) error {
			for _, w := range ws {
				if ttl := time.Until(time.UnixMilli(w.Expires)); ttl > 0 {
					p.Set(wctx, s.key("s", w.Table, w.Balancer, w.SID), w.Route, ttl)
				}
			}
			return nil
		})
		if err != nil {
			s.log.Warn("shared store: writing sticky tables back failed", "error", err.Error())
			return false
		}
		n += int64(len(ws))
		ws = ws[:0]
		return true
	}
	ok := true
	h.Sessions(func(balancer, table, sid, route string, expires time.Time) bool {
		ws = append(ws, sessionWrite{balancer, table, sid, route, expires.UnixMilli()})
		if len(ws) == batch {
			ok = flush()
		}
		return ok
	})
	if ok {
		flush()
	}
	s.c.reannounced.Add(n)
	if n > 0 {
		s.log.Info("shared store: sticky table entries written back", "entries", n)
	}
}
