package session

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"balancer/internal/testutil"
)

func TestStoreSaveLoadConflictDelete(t *testing.T) {
	ctx := context.Background()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			id := newID()
			if _, err := st.Load(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("load of a missing session: %v", err)
			}
			d := newData(time.Minute)
			d.Values["k"] = json.RawMessage(`"v"`)
			if err := st.Save(ctx, id, d, 1); !errors.Is(err, ErrConflict) || d.Version != 0 {
				t.Fatalf("save of a missing session at version 1: %v (version now %d)", err, d.Version)
			}
			if err := st.Save(ctx, id, d, 0); err != nil || d.Version != 1 {
				t.Fatalf("save new: %v, version %d", err, d.Version)
			}
			got, err := st.Load(ctx, id)
			if err != nil || string(got.Values["k"]) != `"v"` || got.Version != 1 || got.MaxInactive != time.Minute ||
				!got.Created.Equal(d.Created) {
				t.Fatalf("load: %+v, %v", got, err)
			}
			// Another node saves first: the stale save is refused and
			// leaves its data as it was.
			other, _ := st.Load(ctx, id)
			other.Values["k"] = json.RawMessage(`"other"`)
			if err := st.Save(ctx, id, other, other.Version); err != nil {
				t.Fatal(err)
			}
			got.Values["k"] = json.RawMessage(`"stale"`)
			if err := st.Save(ctx, id, got, got.Version); !errors.Is(err, ErrConflict) || got.Version != 1 {
				t.Fatalf("stale save: %v (version now %d)", err, got.Version)
			}
			if now, _ := st.Load(ctx, id); string(now.Values["k"]) != `"other"` || now.Version != 2 {
				t.Fatalf("after the refused save: %s, version %d", now.Values["k"], now.Version)
			}
			if err := st.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Load(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("after delete: %v", err)
			}
			if err := st.Delete(ctx, id); err != nil {
				t.Fatalf("deleting a missing session: %v", err)
			}
		})
	}
}

// TestStoreCompareAndSet: savers racing on one version; exactly one wins
// each round, so the final version counts the successful saves.
func TestStoreCompareAndSet(t *testing.T) {
	ctx := context.Background()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			id := newID()
			if err := st.Save(ctx, id, newData(time.Minute), 0); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			wins := 1
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 25 {
						d, err := st.Load(ctx, id)
						if err != nil {
							t.Error(err)
							return
						}
						switch err := st.Save(ctx, id, d, d.Version); {
						case err == nil:
							mu.Lock()
							wins++
							mu.Unlock()
						case !errors.Is(err, ErrConflict):
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			if d, _ := st.Load(ctx, id); d.Version != int64(wins) {
				t.Fatalf("version %d after %d successful saves", d.Version, wins)
			}
		})
	}
}

func TestStoreExpiry(t *testing.T) {
	ctx := context.Background()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			gone, kept := newID(), newID()
			st.Save(ctx, gone, newData(100*time.Millisecond), 0)
			st.Save(ctx, kept, newData(time.Minute), 0)
			// Expiry is the store's (Redis' TTL, the file and memory
			// stores' deadline): wait for it rather than for a time.
			testutil.Eventually(t, "the session expired", func() bool {
				_, err := st.Load(ctx, gone)
				return errors.Is(err, ErrNotFound)
			})
			if sc, ok := st.(Scavenger); ok {
				if n, err := sc.Scavenge(ctx, time.Now()); n != 1 || err != nil {
					t.Fatalf("scavenged %d (%v), want 1", n, err)
				}
			}
			if _, err := st.Load(ctx, kept); err != nil {
				t.Fatalf("live session: %v", err)
			}
		})
	}
}

// TestStoreCorruptRemoved: unreadable entries are ErrCorrupt once, and
// removed (Jetty's removeUnloadableSessions).
func TestStoreCorruptRemoved(t *testing.T) {
	ctx := context.Background()
	fs, err := NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rs, rdb, _ := redisStore(t)
	ms := NewMemoryStore()
	for _, tc := range []struct {
		name  string
		st    Store
		plant func(id string)
	}{
		{"memory/garbage", ms, func(id string) { ms.m[id] = memEntry{version: 1, b: []byte("{not json")} }},
		{"memory/unknown format", ms, func(id string) { ms.m[id] = memEntry{version: 1, b: []byte(`{"format":99}`)} }},
		{"file/garbage", fs, func(id string) { os.WriteFile(filepath.Join(fs.dir, id+".session"), []byte("\x00\x01"), 0o600) }},
		{"file/truncated", fs, func(id string) {
			os.WriteFile(filepath.Join(fs.dir, id+".session"), encode(newData(time.Minute))[:20], 0o600)
		}},
		{"redis/garbage", rs, func(id string) { rdb.HSet(ctx, "s:"+id, "v", "1", "d", "garbage") }},
		{"redis/wrong type", rs, func(id string) { rdb.Set(ctx, "s:"+id, "a string", 0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := newID()
			tc.plant(id)
			if _, err := tc.st.Load(ctx, id); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("first load: %v, want ErrCorrupt", err)
			}
			if _, err := tc.st.Load(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second load: %v, want ErrNotFound (removed)", err)
			}
			if err := tc.st.Save(ctx, id, newData(time.Minute), 0); err != nil {
				t.Fatalf("a new session under the id: %v", err)
			}
		})
	}
}

// TestStoreRedisTTL: the key expires with the max inactive interval, and
// each save renews it.
func TestStoreRedisTTL(t *testing.T) {
	ctx := context.Background()
	rs, rdb, _ := redisStore(t)
	id := newID()
	d := newData(10 * time.Minute)
	if err := rs.Save(ctx, id, d, 0); err != nil {
		t.Fatal(err)
	}
	rdb.PExpire(ctx, "s:"+id, time.Minute)
	if err := rs.Save(ctx, id, d, d.Version); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, "s:"+id).Val(); ttl < 9*time.Minute || ttl > 10*time.Minute {
		t.Fatalf("TTL %v after a save, want the max inactive interval 10m", ttl)
	}
	if err := rs.Save(ctx, newID(), newData(0), 0); err == nil {
		t.Fatal("a session without max inactive interval saved without a TTL")
	}
}

// TestFileStoreSharedDirectory: two FileStores on one directory (two
// processes on one host) see each other's sessions and versions.
func TestFileStoreSharedDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, _ := NewFileStore(dir)
	b, _ := NewFileStore(dir)
	id := newID()
	d := newData(time.Minute)
	if err := a.Save(ctx, id, d, 0); err != nil {
		t.Fatal(err)
	}
	got, err := b.Load(ctx, id)
	if err != nil || got.Version != 1 {
		t.Fatalf("b loads a's session: %+v %v", got, err)
	}
	if err := b.Save(ctx, id, got, 1); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(ctx, id, d, 1); !errors.Is(err, ErrConflict) {
		t.Fatalf("a's stale save: %v", err)
	}
	if _, err := a.Load(ctx, "../../etc/passwd"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a path as id: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != id+".session" && e.Name() != ".locks" {
			t.Errorf("unexpected file %s left in the store", e.Name())
		}
	}
}

func TestOpenStore(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		spec string
		want string // the store's type, "" for an error
	}{
		{"memory", "*session.MemoryStore"},
		{"file:" + dir, "*session.FileStore"},
		{"redis://127.0.0.1:6379/0", "*session.RedisStore"},
		{"redis-cluster://127.0.0.1:7000?addr=127.0.0.1:7001", "*session.RedisStore"},
		{"file:", ""},
		{"redis://127.0.0.1:6379/notanumber", ""},
		{"mongodb://x", ""},
		{"", ""},
	} {
		st, err := OpenStore(tc.spec)
		got := ""
		if err == nil {
			got = typeName(st)
			if c, ok := st.(interface{ Close() error }); ok {
				c.Close()
			}
		}
		if got != tc.want {
			t.Errorf("OpenStore(%q) = %s (%v), want %q", tc.spec, got, err, tc.want)
		}
	}
}
