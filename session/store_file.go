package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// FileStore keeps one file per session in a directory, written by atomic
// rename; a per-session lock file (flock) makes the version check safe
// between processes sharing the directory. Fine for one host; for a
// cluster use Redis (Jetty's advice too).
type FileStore struct{ dir string }

// NewFileStore uses dir, creating it.
func NewFileStore(dir string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &FileStore{dir: dir}, nil
}

func (s *FileStore) path(id string) string { return filepath.Join(s.dir, id+".session") }

// lock holds the session's lock file until the returned func is called.
func (s *FileStore) lock(id string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(s.dir, id+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

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
		os.Remove(s.path(id))
	}
	if err != nil {
		return nil, err
	}
	if d.Expired(time.Now()) {
		return nil, ErrNotFound
	}
	return d, nil
}

// Save implements Store.
func (s *FileStore) Save(_ context.Context, id string, d *Data, expected int64) error {
	if !validID(id) {
		return ErrNotFound
	}
	unlock, err := s.lock(id)
	if err != nil {
		return err
	}
	defer unlock()
	var cur int64
	if old, err := s.read(id); err == nil {
		cur = old.Version
	}
	if cur != expected {
		return ErrConflict
	}
	d.Version = expected + 1
	b, err := encode(d)
	if err == nil {
		err = writeFileAtomic(s.path(id), b)
	}
	if err != nil {
		d.Version = expected
	}
	return err
}

func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Delete implements Store.
func (s *FileStore) Delete(_ context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	os.Remove(filepath.Join(s.dir, id+".lock"))
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Scavenge implements Scavenger.
func (s *FileStore) Scavenge(ctx context.Context, now time.Time) (int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".session")
		if !ok {
			continue
		}
		d, err := s.read(id)
		if errors.Is(err, ErrCorrupt) || (err == nil && d.Expired(now)) {
			s.Delete(ctx, id)
			n++
		}
	}
	return n, nil
}
