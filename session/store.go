package session

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"time"
)

// Data is a session as stores keep it.
type Data struct {
	// Version counts saves; a save succeeds only if the stored version is
	// still the one the saver loaded (optimistic concurrency).
	Version int64
	// Created is when the session started.
	Created time.Time
	// Accessed is when a request last used the session and saved it.
	Accessed time.Time
	// MaxInactive expires the session when it is not used for this long.
	MaxInactive time.Duration
	// Values are the session's attributes, each a JSON document.
	Values map[string]json.RawMessage
}

// Expired reports whether d was not accessed within its max inactive
// interval.
func (d *Data) Expired(now time.Time) bool {
	return d.MaxInactive > 0 && now.Sub(d.Accessed) > d.MaxInactive
}

// clone copies d; the values' bytes are shared, which is safe because they
// are never changed in place (Set always stores a new slice).
func (d *Data) clone() *Data {
	c := *d
	c.Values = maps.Clone(d.Values)
	if c.Values == nil {
		c.Values = map[string]json.RawMessage{}
	}
	return &c
}

// Errors returned by stores.
var (
	// ErrNotFound means there is no session with that id (or it expired).
	ErrNotFound = errors.New("session: not found")
	// ErrConflict means another node saved the session since it was loaded.
	ErrConflict = errors.New("session: saved by another node since it was loaded")
	// ErrCorrupt means the stored data could not be read; the store has
	// removed it.
	ErrCorrupt = errors.New("session: stored data unreadable")
)

// Store keeps sessions where every node can load them. Implementations are
// safe for concurrent use, also by several processes sharing the store.
type Store interface {
	// Load returns the session id, ErrNotFound, or ErrCorrupt (after
	// removing the unreadable entry, Jetty's removeUnloadableSessions).
	Load(ctx context.Context, id string) (*Data, error)
	// Save stores d if the stored version is still expected (0: the
	// session is not stored yet) and then sets d.Version to expected+1;
	// otherwise it returns ErrConflict, stores nothing and leaves d as it
	// was.
	Save(ctx context.Context, id string, d *Data, expected int64) error
	// Delete removes the session; removing a missing one is no error.
	Delete(ctx context.Context, id string) error
}

// Scavenger is implemented by stores that must delete expired sessions
// themselves; Redis expires its keys on its own.
type Scavenger interface {
	// Scavenge removes the sessions expired at now (and unreadable ones)
	// and returns how many it removed.
	Scavenge(ctx context.Context, now time.Time) (int, error)
}
