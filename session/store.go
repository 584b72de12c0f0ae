package session

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Data is a session as stores keep it.
type Data struct {
	// Version counts saves; a save succeeds only if the stored version is
	// the one the saver loaded (optimistic concurrency).
	Version     int64                      `json:"version"`
	Created     time.Time                  `json:"created"`
	Accessed    time.Time                  `json:"accessed"`
	MaxInactive time.Duration              `json:"maxinactive"`
	Values      map[string]json.RawMessage `json:"values"`
}

// Expired reports whether d was not accessed within its max inactive
// interval.
func (d *Data) Expired(now time.Time) bool {
	return d.MaxInactive > 0 && now.Sub(d.Accessed) > d.MaxInactive
}

// Errors of stores.
var (
	// ErrNotFound: no session with that id (or it expired).
	ErrNotFound = errors.New("session: not found")
	// ErrConflict: another node saved the session since it was loaded.
	ErrConflict = errors.New("session: saved by another node since it was loaded")
	// ErrCorrupt: the stored data cannot be read; the store removes it.
	ErrCorrupt = errors.New("session: stored data unreadable")
)

// Store keeps sessions where every node can load them. Implementations are
// safe for concurrent use by several nodes.
type Store interface {
	// Load returns the session id, ErrNotFound, or ErrCorrupt (after
	// removing the unreadable entry).
	Load(ctx context.Context, id string) (*Data, error)
	// Save stores d if the stored version is still expected (0: the
	// session is new), and then sets d.Version to expected+1; else it
	// returns ErrConflict and stores nothing.
	Save(ctx context.Context, id string, d *Data, expected int64) error
	// Delete removes the session.
	Delete(ctx context.Context, id string) error
}

// Scavenger is implemented by stores that must delete expired sessions
// themselves (Redis expires its keys on its own).
type Scavenger interface {
	Scavenge(ctx context.Context, now time.Time) (int, error)
}
