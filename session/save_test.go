package session

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestSavePolicies counts writes by the stored version, which every save
// increments: ten requests that only read, then ten that change.
func TestSavePolicies(t *testing.T) {
	for _, tc := range []struct {
		name          string
		save          SavePolicy
		period        time.Duration
		afterReads    int64 // version after the first save and ten reads
		afterChanges  int64 // ... and ten changing requests
		afterDeferred int64 // ... and the flusher's pass
	}{
		{"dirty", SaveDirty, 0, 1, 11, 11},
		{"always", SaveAlways, 0, 11, 21, 21},
		{"period", SavePeriod, 200 * time.Millisecond, 1, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := NewMemoryStore()
			m := newManager(t, st, Config{Worker: "n1", Save: tc.save, SavePeriod: tc.period, Cache: CachePolicy{Mode: CacheOnExit}})
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := FromContext(r.Context())
				n := 0
				s.Get("n", &n)
				if r.URL.Query().Has("inc") {
					s.Set("n", n+1)
				}
			}))
			c := cookieOf(do(t, h, "/?inc", ""))
			id, _ := splitID(c.Value)
			for range 10 {
				do(t, h, "/", c.Value)
			}
			if _, v := stored(t, st, id, "n"); v != tc.afterReads {
				t.Errorf("version %d after reads, want %d", v, tc.afterReads)
			}
			for range 10 {
				do(t, h, "/?inc", c.Value)
			}
			n, v := stored(t, st, id, "n")
			if v != tc.afterChanges {
				t.Errorf("version %d after changes, want %d", v, tc.afterChanges)
			}
			if tc.save == SavePeriod {
				if n != 1 || m.Cached() != 1 {
					t.Fatalf("deferred: stored count %d (want 1), cached %d (want 1: held for its save)", n, m.Cached())
				}
				// The deferred changes are visible on this node meanwhile.
				w := do(t, m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					n := 0
					FromContext(r.Context()).Get("n", &n)
					w.Write([]byte{byte('0' + n%10)})
				})), "/", c.Value)
				if w.Body.String() != "1" { // 11 % 10
					t.Fatalf("this node reads %q before the deferred save", w.Body)
				}
				testutil.Eventually(t, "the deferred save done", func() bool { return m.Cached() == 0 })
				n, v = stored(t, st, id, "n")
			}
			if n != 11 || v != tc.afterDeferred {
				t.Fatalf("finally stored count %d version %d, want 11 and %d", n, v, tc.afterDeferred)
			}
		})
	}
}

// TestSavePeriodFlushedOnClose: Close writes what a period deferred.
func TestSavePeriodFlushedOnClose(t *testing.T) {
	st := NewMemoryStore()
	m, _ := New(st, Config{Worker: "n1", Logger: quiet, Save: SavePeriod, SavePeriod: time.Hour})
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		FromContext(r.Context()).Set("k", r.URL.Query().Get("k"))
	}))
	c := cookieOf(do(t, h, "/?k=first", ""))
	do(t, h, "/?k=deferred", c.Value)
	id, _ := splitID(c.Value)
	d, _ := st.Load(context.Background(), id)
	if string(d.Values["k"]) != `"first"` {
		t.Fatalf("stored %s before Close, want the first value", d.Values["k"])
	}
	m.Close()
	d, _ = st.Load(context.Background(), id)
	if string(d.Values["k"]) != `"deferred"` {
		t.Fatalf("stored %s after Close, want the deferred value", d.Values["k"])
	}
}

// TestScavenger: the manager's scavenger removes expired sessions from a
// memory and a file store, and leaves live ones.
func TestScavenger(t *testing.T) {
	dir := t.TempDir()
	fs, _ := NewFileStore(dir)
	ms := NewMemoryStore()
	for _, tc := range []struct {
		name  string
		st    Store
		count func() int
	}{
		{"memory", ms, ms.Len},
		{"file", fs, func() int { m, _ := filepath.Glob(filepath.Join(dir, "*.session")); return len(m) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			live := newID()
			tc.st.Save(ctx, live, newData(time.Hour), 0)
			m := newManager(t, tc.st, Config{Worker: "n1", MaxInactive: 30 * time.Millisecond, ScavengeEvery: 20 * time.Millisecond})
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				FromContext(r.Context()).Set("k", 1)
			}))
			for range 3 {
				do(t, h, "/", "")
			}
			if n := tc.count(); n != 4 {
				t.Fatalf("%d sessions stored, want 4", n)
			}
			testutil.Eventually(t, "the scavenger removed the expired sessions", func() bool { return tc.count() == 1 })
			if n := tc.count(); n != 1 {
				t.Fatalf("%d sessions left, want the live one only", n)
			}
			if _, err := tc.st.Load(ctx, live); err != nil {
				t.Fatalf("live session: %v", err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, ".locks")); err != nil {
		t.Fatal(err)
	}
}
