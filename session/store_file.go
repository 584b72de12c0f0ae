package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// FileStore keeps one file per session in a directory ("<id>.session"),
// each written to a temporary file and renamed over the old one, so a
// reader sees the old or the new session, never half of one. Saves take an
// flock on one of 256 lock files (by the id's first byte) under
// "<dir>/.locks", which makes the version check safe between processes
// sharing the directory; lock files are never removed, so no process can
// hold a lock on a file another has replaced. Good for one host; for
// several hosts use Redis (Jetty gives the same advice).
type FileStore struct{ dir string }

// NewFileStore keeps sessions in dir, creating it.
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, ".locks"), 0o700); err != nil {
		return nil, err
	}
	return &FileStore{dir: dir}, nil
}

func (s *FileStore) path(id string) string { return filepath.Join(s.dir, id+".session") }

// lock holds the lock stripe of id until the returned func is called.
func (s *FileStore) lock(id string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(s.dir, ".locks", id[:2]), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// read decodes id's file without the lock (renames are atomic).
func (s *FileStore) read(id string) (*Data, error) {
	b, err := os.ReadFile(s.path(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decode(b)
}

// Load implements Store.
func (s *FileStore) Load(_ context.Context, id string) (*Data, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	d, err := s.read(id)
	if errors.Is(err, ErrCorrupt) {
		if rerr := s.removeCorrupt(id); rerr != nil {
			err = fmt.Errorf("%w (and removing it: %v)", err, rerr)
		}
	}
	if err != nil {
		return nil, err
	}
	if d.Expired(time.Now()) {
		return nil, ErrNotFound
	}
	return d, nil
}

// removeCorrupt removes id's file if, under the lock, it is still
// unreadable: a good save may have replaced it meanwhile.
func (s *FileStore) removeCorrupt(id string) error {
	unlock, err := s.lock(id)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := s.read(id); errors.Is(err, ErrCorrupt) {
		return os.Remove(s.path(id))
	}
	return nil
}

// Save implements Store.
func (s *FileStore) Save(_ context.Context, id string, d *Data, expected int64) error {
	if !validID(id) {
		return fmt.Errorf("session: invalid id %q", id)
	}
	unlock, err := s.lock(id)
	if err != nil {
		return err
	}
	defer unlock()
	var cur int64
	switch old, err := s.read(id); {
	case err == nil:
		cur = old.Version
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrCorrupt):
		// No readable session: only a new one (expected 0) may be saved.
	default:
		return err
	}
	if cur != expected {
		return ErrConflict
	}
	prev := d.Version
	d.Version = expected + 1
	if err := writeFileAtomic(s.path(id), encode(d)); err != nil {
		d.Version = prev
		return err
	}
	return nil
}

// writeFileAtomic writes b to a temporary file in path's directory and
// renames it to path. It does not fsync: a session store trades the last
// writes before a power cut for a save that costs no disk flush.
func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Delete implements Store.
func (s *FileStore) Delete(_ context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Scavenge implements Scavenger: it removes expired and unreadable
// sessions, and temporary files a crashed writer left behind.
func (s *FileStore) Scavenge(ctx context.Context, now time.Time) (int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > time.Hour {
				os.Remove(filepath.Join(s.dir, e.Name()))
			}
			continue
		}
		id, ok := strings.CutSuffix(e.Name(), ".session")
		if !ok || !validID(id) {
			continue
		}
		switch d, err := s.read(id); {
		case errors.Is(err, ErrCorrupt):
			if s.removeCorrupt(id) == nil {
				n++
			}
		case err == nil && d.Expired(now):
			if s.removeExpired(id, now) {
				n++
			}
		}
	}
	return n, ctx.Err()
}

// removeExpired removes id if, under the lock, it is still expired: a node
// may have saved it again since the scan read it.
func (s *FileStore) removeExpired(id string, now time.Time) bool {
	unlock, err := s.lock(id)
	if err != nil {
		return false
	}
	defer unlock()
	if d, err := s.read(id); err == nil && d.Expired(now) {
		return os.Remove(s.path(id)) == nil
	}
	return false
}
