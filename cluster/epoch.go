package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// checkEpoch notices a store that lost its keys. The store holds an epoch,
// a random value under <prefix>epoch created by the first replica that
// finds it absent; each replica remembers the one it last saw. Another
// epoch means the keys were lost (a restart without persistence, FLUSHALL,
// a failover to an empty replica), and every replica writes its sticky
// tables back, whichever of them created the new epoch.
func (s *Store) checkEpoch(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	key := s.key("epoch")
	v, err := s.rdb.Get(cctx, key).Result()
	if errors.Is(err, redis.Nil) {
		var id [8]byte
		rand.Read(id[:])
		if err = s.rdb.SetNX(cctx, key, hex.EncodeToString(id[:]), 0).Err(); err == nil {
			v, err = s.rdb.Get(cctx, key).Result()
		}
	}
	if err != nil {
		return
	}
	s.mu.Lock()
	prev := s.epoch
	s.epoch = v
	s.mu.Unlock()
	if prev != "" && prev != v {
		s.c.lost.Add(1)
		s.log.Warn("shared store lost its keys; writing this replica's sticky tables back")
		s.reannounce(ctx)
	}
}

// check reconciles with the store: its epoch, then the overlay record.
// One check runs at a time, so that records are applied in version order.
func (s *Store) check(ctx context.Context) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.checkEpoch(ctx)
	s.loadOverlay(ctx)
}
