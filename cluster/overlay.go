package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"balancer/config"
)

// The manager edits every replica shares are one record, <prefix>overlay:
// a version and the edits in the order they were made, one per target
// (balancer, member, key): a later edit of the same target replaces the
// earlier one. Updates are optimistic (WATCH/MULTI, bounded retries); the
// new version is announced on the events channel.

type overlayDoc struct {
	Version int64         `json:"version"`
	Edits   []config.Edit `json:"edits"`
}

// errPending says an edit was kept to be shared when Redis is back.
var errPending = errors.New("shared store unreachable: the edit applies here now and reaches the other replicas when it is back")

// IsPending reports whether err only says the edit is queued for sharing.
func IsPending(err error) bool { return errors.Is(err, errPending) }

// SaveEdits shares edits with every replica. When Redis is away they are
// kept and pushed when it returns; the error then satisfies IsPending.
func (s *Store) SaveEdits(edits []config.Edit) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.push(ctx, edits); err != nil {
		s.mu.Lock()
		s.pending = append(s.pending, edits...)
		s.mu.Unlock()
		return errPending
	}
	return nil
}

func (s *Store) flushPending(ctx context.Context) {
	s.mu.Lock()
	p := s.pending
	s.pending = nil
	s.mu.Unlock()
	if len(p) == 0 {
		return
	}
	if err := s.push(ctx, p); err != nil {
		s.mu.Lock()
		s.pending = append(p, s.pending...)
		s.mu.Unlock()
		return
	}
	s.log.Info("shared store: edits made while it was away are now shared", "edits", len(p))
}

func (s *Store) push(ctx context.Context, edits []config.Edit) error {
	key := s.key("overlay")
	var version int64
	txf := func(tx *redis.Tx) error {
		doc, err := readOverlay(ctx, tx, key)
		if err != nil {
			return err
		}
		doc.Edits = Merge(doc.Edits, edits)
		doc.Version++
		version = doc.Version
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, b, 0)
			return nil
		})
		return err
	}
	var err error
	for i := 0; i < 20; i++ {
		if err = s.rdb.Watch(ctx, txf, key); !errors.Is(err, redis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	if version > s.version {
		s.version = version
	}
	s.mu.Unlock()
	msg, _ := json.Marshal(event{Kind: "o", Origin: s.origin, Version: version})
	return s.rdb.Publish(ctx, s.key("events"), msg).Err()
}

func readOverlay(ctx context.Context, c redis.Cmdable, key string) (overlayDoc, error) {
	var doc overlayDoc
	b, err := c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return doc, nil
	}
	if err != nil {
		return doc, err
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		// A record we cannot read is replaced rather than blocking edits.
		return overlayDoc{}, nil
	}
	return doc, nil
}

// loadOverlay hands the shared edits to the handler when they changed.
func (s *Store) loadOverlay(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	doc, err := readOverlay(rctx, s.rdb, s.key("overlay"))
	if err != nil {
		s.log.Warn("shared store: reading edits failed", "error", err.Error())
		return
	}
	s.mu.Lock()
	changed := doc.Version != s.version
	s.version = doc.Version
	h := s.h
	s.mu.Unlock()
	if changed && h != nil {
		h.Overlay(doc.Edits)
	}
}

// Merge appends edits to base, dropping earlier edits of the same target.
func Merge(base, edits []config.Edit) []config.Edit {
	out := make([]config.Edit, 0, len(base)+len(edits))
	for _, e := range base {
		replaced := false
		for _, n := range edits {
			if sameTarget(e, n) {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return append(out, edits...)
}

func sameTarget(a, b config.Edit) bool {
	return a.Balancer == b.Balancer && a.Member == b.Member && a.Key == b.Key
}
