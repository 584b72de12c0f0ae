package session

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestCachePolicies: what each policy keeps after a request, whether two
// concurrent requests of one session share one object, and when a kept
// session is dropped.
func TestCachePolicies(t *testing.T) {
	for _, tc := range []struct {
		policy string
		kept   int  // sessions cached once the request ended
		shared bool // concurrent requests get the same *Session
	}{
		{"never", 1, true},
		{"on-exit", 0, true},
		{"on-inactivity:50ms", 1, true},
		{"none", 0, false},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			p, err := ParseCachePolicy(tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			m := newManager(t, NewMemoryStore(), Config{Worker: "n1", Cache: p, MaxInactive: time.Hour})
			h := counter(m)
			c := cookieOf(do(t, h, "/", ""))
			if n := m.Cached(); n != tc.kept {
				t.Fatalf("cached %d after the request, want %d", n, tc.kept)
			}

			// Two requests of the session, both inside the handler at once.
			var mu sync.Mutex
			var seen []*Session
			inside := make(chan struct{})
			proceed := make(chan struct{})
			hold := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				seen = append(seen, FromContext(r.Context()))
				mu.Unlock()
				inside <- struct{}{}
				<-proceed
			}))
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() { defer wg.Done(); do(t, hold, "/", c.Value) }()
			}
			testutil.Receive(t, inside, "the first request inside the handler")
			testutil.Receive(t, inside, "the second request inside the handler")
			if tc.shared && m.Cached() != 1 {
				t.Errorf("cached %d during the requests, want 1", m.Cached())
			}
			close(proceed)
			wg.Wait()
			if (seen[0] == seen[1]) != tc.shared {
				t.Errorf("concurrent requests share one object: %v, want %v", seen[0] == seen[1], tc.shared)
			}
			if n := m.Cached(); n != tc.kept {
				t.Fatalf("cached %d after the concurrent requests, want %d", n, tc.kept)
			}

			if p.Mode == CacheOnInactivity {
				m.cache.sweep(time.Now())
				if m.Cached() != 1 {
					t.Fatal("a session used just now was dropped")
				}
				m.cache.sweep(time.Now().Add(60 * time.Millisecond))
				if m.Cached() != 0 {
					t.Fatal("idle session not dropped")
				}
			}
			if p.Mode == CacheNever {
				m.cache.sweep(time.Now().Add(59 * time.Minute))
				if m.Cached() != 1 {
					t.Fatal("never dropped a session before its expiry")
				}
				m.cache.sweep(time.Now().Add(61 * time.Minute))
				if m.Cached() != 0 {
					t.Fatal("never kept a session past its max inactive interval")
				}
			}
		})
	}
}

// TestCacheKeepsOnlyStoredSessions: requests that never touch their new
// session leave nothing in the cache, even under never.
func TestCacheKeepsOnlyStoredSessions(t *testing.T) {
	m := newManager(t, NewMemoryStore(), Config{Worker: "n1", Cache: CachePolicy{Mode: CacheNever}})
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("set") {
			FromContext(r.Context()).Set("k", 1)
		}
	}))
	for range 50 {
		do(t, h, "/health", "")
	}
	if n := m.Cached(); n != 0 {
		t.Fatalf("%d untouched sessions cached", n)
	}
	c := cookieOf(do(t, h, "/?set", ""))
	if n := m.Cached(); n != 1 || c == nil {
		t.Fatalf("%d sessions cached after one was stored, want 1", n)
	}
}

// TestCacheServesTheSameCopy: under never, a node reads its cached copy,
// not the store (the store's copy is changed behind its back here);
// under none, every request reads the store.
func TestCacheServesTheSameCopy(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   string
	}{
		{"never", `"cached"`},
		{"none", `"changed in the store"`},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			p, _ := ParseCachePolicy(tc.policy)
			st := NewMemoryStore()
			m := newManager(t, st, Config{Worker: "n1", Cache: p})
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := FromContext(r.Context())
				if r.URL.Query().Has("set") {
					s.Set("k", "cached")
				}
				var v string
				s.Get("k", &v)
				w.Write([]byte(`"` + v + `"`))
			}))
			c := cookieOf(do(t, h, "/?set", ""))
			id, _ := splitID(c.Value)
			d, _ := st.Load(context.Background(), id)
			d.Values["k"] = []byte(`"changed in the store"`)
			st.Save(context.Background(), id, d, d.Version)
			if w := do(t, h, "/", c.Value); w.Body.String() != tc.want {
				t.Fatalf("read %s, want %s", w.Body, tc.want)
			}
		})
	}
}
