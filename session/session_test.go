package session

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"balancer/internal/testutil"
)

// stores returns each store kind, the Redis one on a real redis-server.
func stores(t testing.TB) map[string]Store {
	t.Helper()
	fs, err := NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rd := testutil.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: rd.Addr})
	t.Cleanup(func() { rdb.Close() })
	return map[string]Store{"memory": NewMemoryStore(), "file": fs, "redis": NewRedisStore(rdb, "s:")}
}

var quiet = slog.New(slog.DiscardHandler)

func newData(maxInactive time.Duration) *Data {
	now := time.Now()
	return &Data{Created: now, Accessed: now, MaxInactive: maxInactive, Values: map[string]json.RawMessage{}}
}

func TestStores(t *testing.T) {
	ctx := context.Background()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			id := newID()
			if _, err := st.Load(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("load of a missing session: %v", err)
			}
			d := newData(time.Minute)
			d.Values["k"] = json.RawMessage(`"v"`)
			if err := st.Save(ctx, id, d, 0); err != nil || d.Version != 1 {
				t.Fatalf("save new: %v version %d", err, d.Version)
			}
			got, err := st.Load(ctx, id)
			if err != nil || string(got.Values["k"]) != `"v"` || got.Version != 1 {
				t.Fatalf("load: %+v %v", got, err)
			}
			// A second node saves first: the stale save is refused.
			other, _ := st.Load(ctx, id)
			if err := st.Save(ctx, id, other, other.Version); err != nil {
				t.Fatal(err)
			}
			if err := st.Save(ctx, id, got, 1); !errors.Is(err, ErrConflict) || got.Version != 1 {
				t.Fatalf("stale save: %v (version %d)", err, got.Version)
			}
			if err := st.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Load(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("after delete: %v", err)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			id := newID()
			st.Save(ctx, id, newData(100*time.Millisecond), 0)
			time.Sleep(150 * time.Millisecond)
			if sc, ok := st.(Scavenger); ok {
				if n, _ := sc.Scavenge(ctx, time.Now()); n != 1 {
					t.Fatalf("scavenged %d, want 1", n)
				}
			}
			if _, err := st.Load(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("expired session loaded: %v", err)
			}
		})
	}
}

// get runs one request through m's middleware with the cookie given.
func get(t *testing.T, h http.Handler, cookie string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", "/counter", nil)
	if cookie != "" {
		r.Header.Set("Cookie", "JSESSIONID="+cookie)
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ": ")
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func counter(m *Manager) http.Handler {
	return m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		n := 0
		err := s.Update(r.Context(), func(s *Session) error {
			n = 0
			s.Get("n", &n)
			n++
			return s.Set("n", n)
		})
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write([]byte(strings.Repeat("x", n)))
	}))
}

func cookieOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == "JSESSIONID" {
			return c
		}
	}
	return nil
}

func TestCookieAndTakeOver(t *testing.T) {
	store := NewMemoryStore()
	a, _ := New(store, Config{Worker: "node1", Logger: quiet})
	b, _ := New(store, Config{Worker: "node2", Logger: quiet})
	defer a.Close()
	defer b.Close()
	ha, hb := counter(a), counter(b)
	w := get(t, ha, "", "X-Forwarded-Proto: https")
	c := cookieOf(t, w)
	if c == nil || !strings.HasSuffix(c.Value, ".node1") || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("new session cookie %+v", c)
	}
	id, _ := splitID(c.Value)
	if len(id) != 32 {
		t.Fatalf("id %q is not 128 bits of hex", id)
	}
	if w := get(t, ha, c.Value); cookieOf(t, w) != nil || w.Body.Len() != 2 {
		t.Fatalf("second request: cookie re-set or count %d", w.Body.Len())
	}
	// node2 takes the session over: it loads it and re-issues the cookie
	// with its own suffix.
	w = get(t, hb, c.Value)
	nc := cookieOf(t, w)
	if w.Body.Len() != 3 || nc == nil || nc.Value != id+".node2" {
		t.Fatalf("take-over: count %d cookie %+v", w.Body.Len(), nc)
	}
	// Back on node1 (fail-back): the cached copy from before is not used.
	if w := get(t, ha, nc.Value); w.Body.Len() != 4 {
		t.Fatalf("fail-back served a stale count %d", w.Body.Len())
	}
}

func TestPathParameterChangeIDAndInvalidate(t *testing.T) {
	m, _ := New(NewMemoryStore(), Config{Worker: "n1", Logger: quiet})
	defer m.Close()
	var ids []string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		switch r.URL.Query().Get("op") {
		case "set":
			s.Set("user", "alice")
		case "login":
			s.ChangeID()
		case "logout":
			s.Invalidate()
		}
		ids = append(ids, s.ID())
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/?op=set", nil))
	c := cookieOf(t, w)
	r := httptest.NewRequest("GET", "/app;jsessionid="+c.Value+"?op=login", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	nc := cookieOf(t, w)
	if nc == nil || nc.Value == c.Value || ids[1] != nc.Value {
		t.Fatalf("ChangeID via path parameter: %v → %v (ids %v)", c.Value, nc, ids)
	}
	var user string
	if _, err := m.store.Load(context.Background(), strings.Split(c.Value, ".")[0]); !errors.Is(err, ErrNotFound) {
		t.Fatal("old id still in the store after ChangeID")
	}
	d, _ := m.store.Load(context.Background(), strings.Split(nc.Value, ".")[0])
	json.Unmarshal(d.Values["user"], &user)
	if user != "alice" {
		t.Fatal("values lost by ChangeID")
	}
	w = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/?op=logout", nil)
	req.Header.Set("Cookie", "JSESSIONID="+nc.Value)
	h.ServeHTTP(w, req)
	if lc := cookieOf(t, w); lc == nil || lc.MaxAge >= 0 {
		t.Fatalf("Invalidate did not clear the cookie: %+v", lc)
	}
}

func TestCorruptSessionStartsFresh(t *testing.T) {
	st := NewMemoryStore()
	m, _ := New(st, Config{Worker: "n1", Logger: quiet})
	defer m.Close()
	id := newID()
	st.put(id, []byte("{not json"))
	w := get(t, counter(m), id+".n1")
	c := cookieOf(t, w)
	if w.Code != 200 || w.Body.Len() != 1 || c == nil || strings.HasPrefix(c.Value, id) {
		t.Fatalf("corrupt session: %d count %d cookie %+v", w.Code, w.Body.Len(), c)
	}
	if _, err := st.Load(context.Background(), id); !errors.Is(err, ErrNotFound) {
		t.Fatal("corrupt entry not removed")
	}
}

func TestCachePolicies(t *testing.T) {
	for _, tc := range []struct {
		policy string
		cached int // sessions held after the request ended
	}{
		{"never", 1}, {"on-exit", 0}, {"none", 0}, {"on-inactivity:50ms", 1},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			p, err := ParseCachePolicy(tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := New(NewMemoryStore(), Config{Worker: "n1", Cache: p, Logger: quiet})
			defer m.Close()
			get(t, counter(m), "")
			if n := m.Cached(); n != tc.cached {
				t.Fatalf("cached %d, want %d", n, tc.cached)
			}
			if p.Mode == "on-inactivity" {
				time.Sleep(60 * time.Millisecond)
				m.cache.evict(time.Now())
				if m.Cached() != 0 {
					t.Fatal("idle session not evicted")
				}
			}
		})
	}
}

// TestConcurrentIncrementsOnTwoNodes: two nodes increment one session at
// once through Update on a real Redis: every increment is counted.
func TestConcurrentIncrementsOnTwoNodes(t *testing.T) {
	st := stores(t)["redis"]
	a, _ := New(st, Config{Worker: "node1", Cache: CachePolicy{Mode: "none"}, Logger: quiet})
	b, _ := New(st, Config{Worker: "node2", Cache: CachePolicy{Mode: "none"}, Logger: quiet})
	defer a.Close()
	defer b.Close()
	first := get(t, counter(a), "")
	full := cookieOf(t, first).Value
	id, _ := splitID(full)
	const each = 50
	var wg sync.WaitGroup
	for _, m := range []*Manager{a, b} {
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func(h http.Handler) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if w := get(t, h, full); w.Code != 200 {
						t.Errorf("status %d: %s", w.Code, w.Body.String())
					}
				}
			}(counter(m))
		}
	}
	wg.Wait()
	d, err := st.Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	json.Unmarshal(d.Values["n"], &n)
	if n != 1+4*each {
		t.Fatalf("count %d after %d increments: updates were lost", n, 1+4*each)
	}
}

// BenchmarkLoadSaveRedis is one request's store work (load, then save)
// against a real Redis, for a 1 KiB and a 64 KiB session.
func BenchmarkLoadSaveRedis(b *testing.B) {
	st := stores(b)["redis"]
	ctx := context.Background()
	for _, size := range []int{1 << 10, 64 << 10} {
		b.Run(map[int]string{1 << 10: "1KiB", 64 << 10: "64KiB"}[size], func(b *testing.B) {
			id := newID()
			d := newData(time.Hour)
			v, _ := json.Marshal(strings.Repeat("x", size))
			d.Values["blob"] = v
			st.Save(ctx, id, d, 0)
			b.ReportAllocs()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				got, err := st.Load(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				if err := st.Save(ctx, id, got, got.Version); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
