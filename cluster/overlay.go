package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"balancer/config"
)

// The manager edits every replica shares are one record, <prefix>overlay:
// a version and the edits in the order they were made, one per target
// (balancer, member, key): a later edit of the same target replaces the
// earlier one. Updates are optimistic (WATCH/MULTI on that one key, bounded
// retries); the new version is announced on the events channel.
//
// Each replica remembers the version it last applied or wrote and its
// edits, and the highest version it has read or written (top). A record
// that is missing, unreadable or older than its version, or at its
// version but below top, means the store lost state (a restart without
// persistence, FLUSHALL, a failover to a replica that lagged, a foreign
// write): the replica writes its own edits back under a version above top
// instead of adopting the loss, so no version number is reused. So does a
// record at top that is not the one the replica read or wrote there: one
// rebuilt after a loss by a replica that had not seen it, which would
// otherwise revert this replica's latest edits unnoticed. A record
// of the same version with other edits is a conflict between replicas: the
// record's edits are kept, this replica's differing ones are merged over
// them under a higher version, and the conflict is logged. A higher
// version is adopted. So the highest version wins and no edit is lost.

type overlayDoc struct {
	Version int64         `json:"version"`
	Edits   []config.Edit `json:"edits"`
}

// recordState says what was found under the overlay key.
type recordState int

const (
	recordOK recordState = iota
	recordMissing
	recordUnreadable
)

// errPending says an edit was kept to be shared when Redis is back.
var errPending = errors.New("shared store unreachable: the edit applies here now and reaches the other replicas when it is back")

// IsPending reports whether err only says the edit is queued for sharing.
func IsPending(err error) bool { return errors.Is(err, errPending) }

// SaveEdits shares edits with every replica. When Redis is away they are
// kept and pushed when it returns; the error then satisfies IsPending.
// Edits kept earlier go first, so that a later edit of the same target
// is never overtaken by an older one pushed after it.
func (s *Store) SaveEdits(edits []config.Edit) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.pushWithPending(ctx, edits); err != nil {
		return errPending
	}
	return nil
}

func (s *Store) flushPending(ctx context.Context) {
	s.mu.Lock()
	n := len(s.pending)
	s.mu.Unlock()
	if n == 0 {
		return
	}
	if err := s.pushWithPending(ctx, nil); err == nil {
		s.log.Info("shared store: edits made while it was away are now shared", "edits", n)
	}
}

// pushWithPending shares the kept edits followed by edits; on failure all
// of them are kept.
func (s *Store) pushWithPending(ctx context.Context, edits []config.Edit) error {
	s.pushMu.Lock()
	defer s.pushMu.Unlock()
	s.mu.Lock()
	all := config.MergeEdits(s.pending, edits)
	s.mu.Unlock()
	if len(all) == 0 {
		return nil
	}
	_, err := s.sync(ctx, all)
	s.mu.Lock()
	if err != nil {
		s.pending = all
	} else {
		s.pending = nil
	}
	s.mu.Unlock()
	return err
}

// outcome is what sync did.
type outcome struct {
	adopt    *overlayDoc // a newer record this replica must apply
	lost     bool        // the store had lost this replica's state
	reason   string      // why the record was written back ("" if not)
	written  int64       // version written, 0 for none
	storeVer int64       // version found in the store
}

// sync reconciles the overlay record with this replica's state and adds
// edits (none for a plain check). It runs as one optimistic transaction.
func (s *Store) sync(ctx context.Context, edits []config.Edit) (outcome, error) {
	key := s.key("overlay")
	var out outcome
	txf := func(tx *redis.Tx) error {
		out = outcome{}
		doc, state, err := readOverlay(ctx, tx, key)
		if err != nil {
			return err
		}
		s.mu.Lock()
		lv, le, known, top, topEdits := s.version, s.edits, s.known, s.top, s.topEdits
		if doc.Version > s.top {
			s.top, s.topEdits = doc.Version, doc.Edits
		}
		s.mu.Unlock()
		out.storeVer = doc.Version
		base := doc
		switch {
		case state == recordMissing && lv == 0 && len(le) == 0:
			// Nothing to restore; the record is created so that its
			// absence later means the store lost state.
			out.lost = known
			out.reason = "missing"
		case state == recordMissing:
			out.lost, out.reason, base = true, "missing", overlayDoc{Version: lv, Edits: le}
		case state == recordUnreadable:
			out.lost, out.reason, base = true, "unreadable", overlayDoc{Version: lv, Edits: le}
		case doc.Version < lv:
			// Edits only ever replace one another per target, so the
			// union (this replica's winning) loses nothing either wrote.
			out.lost, out.reason = true, "older"
			base = overlayDoc{Version: lv, Edits: config.MergeEdits(doc.Edits, le)}
		case doc.Version == lv && !config.SameEdits(doc.Edits, le):
			out.reason = "conflict"
			if doc.Version < top {
				// The store had a higher version: it went back, this
				// replica's edits not yet applied with it.
				out.lost, out.reason = true, "older"
			}
			base.Edits = config.MergeEdits(doc.Edits, config.NewEdits(doc.Edits, le))
		case doc.Version == top && doc.Version > lv && !config.SameEdits(doc.Edits, topEdits):
			// No version is written twice over one record (WATCH), so
			// another record at the version this replica last read or
			// wrote was rebuilt after a loss by a replica that had not
			// seen it (say, an edit of this one's, reverted to the value
			// before it): that version's edits go back over it.
			out.lost, out.reason = true, "rebuilt at a version already used"
			base.Edits = config.MergeEdits(doc.Edits, config.NewEdits(doc.Edits, topEdits))
		case doc.Version > lv && len(config.MissingTargets(doc.Edits, le)) > 0:
			// The record never drops a target, so a newer one without
			// some of this replica's was rebuilt after a loss (another
			// replica edited an emptied store first): add them back.
			out.lost, out.reason = true, "rebuilt without some edits"
			base.Edits = config.MergeEdits(doc.Edits, config.MissingTargets(doc.Edits, le))
		case doc.Version > lv && len(edits) == 0:
			out.adopt = &doc
			return nil
		}
		if out.reason == "" && len(edits) == 0 {
			return nil
		}
		next := overlayDoc{Version: max(doc.Version, lv, top) + 1, Edits: config.MergeEdits(base.Edits, edits)}
		b, err := json.Marshal(next)
		if err != nil {
			return err
		}
		if _, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, b, 0)
			return nil
		}); err != nil {
			return err
		}
		out.written = next.Version
		var stored overlayDoc // as a later read will see it, for SameEdits
		_ = json.Unmarshal(b, &stored)
		s.mu.Lock()
		s.top, s.topEdits = next.Version, stored.Edits // above top, by construction
		s.mu.Unlock()
		// A plain check that wrote back exactly what this replica has is
		// at that version now; one whose record differs (a conflict
		// merged other edits in) hands it to the handler (loadOverlay).
		// An edit never moves the version: the handler may be applying
		// an older record at this moment, so the next check applies the
		// written one, which holds the edit (issue 13). Its edits are
		// kept meanwhile, so that a loss before then writes them back.
		switch {
		case len(edits) > 0:
			s.mu.Lock()
			s.edits = config.MergeEdits(s.edits, edits)
			s.mu.Unlock()
		case config.SameEdits(next.Edits, le):
			s.mu.Lock()
			if next.Version > s.version {
				s.version, s.edits = next.Version, next.Edits
			}
			s.mu.Unlock()
		default:
			out.adopt = &next
		}
		return nil
	}
	var err error
	for i := 0; i < 20; i++ {
		if err = s.rdb.Watch(ctx, txf, key); !errors.Is(err, redis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		return out, err
	}
	s.mu.Lock()
	s.known = true
	n := len(s.edits)
	s.mu.Unlock()
	switch {
	case out.written == 0:
	case out.reason == "conflict":
		s.log.Warn("shared store: replicas disagree at the same version; this replica's differing edits merged over the store's",
			"version", out.storeVer, "written_version", out.written, "edits", n)
	case out.lost:
		s.c.lost.Add(1)
		s.log.Warn("shared store lost state; this replica's edits written back",
			"record", out.reason, "store_version", out.storeVer, "written_version", out.written, "edits", n)
	}
	if out.written > 0 {
		msg, _ := json.Marshal(event{Kind: "o", Origin: s.origin, Version: out.written})
		if err := s.rdb.Publish(ctx, s.key("events"), msg).Err(); err != nil {
			return out, err
		}
	}
	return out, nil
}

func readOverlay(ctx context.Context, c redis.Cmdable, key string) (overlayDoc, recordState, error) {
	var doc overlayDoc
	b, err := c.Get(ctx, key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return doc, recordMissing, nil
	case err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE"):
		return doc, recordUnreadable, nil
	case err != nil:
		return doc, recordOK, err
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Version < 0 {
		return overlayDoc{}, recordUnreadable, nil
	}
	return doc, recordOK, nil
}

// loadOverlay reconciles the shared edits with this replica's: a newer
// record is handed to the handler, a lost or conflicting one is written
// back. Callers hold syncMu (check).
func (s *Store) loadOverlay(ctx context.Context) {
	s.mu.Lock()
	pending := len(s.pending) > 0
	s.mu.Unlock()
	if pending {
		// This replica's edits not yet shared would be undone by adopting
		// the record; they are pushed first (health loop).
		return
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := s.sync(rctx, nil)
	if err != nil {
		s.log.Warn("shared store: reading edits failed", "error", err.Error())
		return
	}
	if doc := out.adopt; doc != nil {
		s.mu.Lock()
		newer := doc.Version > s.version
		if newer {
			s.version, s.edits = doc.Version, doc.Edits
		}
		h := s.h
		s.mu.Unlock()
		if newer && h != nil {
			h.Overlay(doc.Edits)
		}
	}
}
