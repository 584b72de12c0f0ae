package session

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"balancer/internal/testutil"
)

var quiet = slog.New(slog.DiscardHandler)

// redisStore returns a store on a real redis-server of the test's own, and
// its client for direct inspection.
func redisStore(t testing.TB) (*RedisStore, *redis.Client, *testutil.Redis) {
	t.Helper()
	rd := testutil.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: rd.Addr, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	return NewRedisStore(rdb, "s:"), rdb, rd
}

// stores returns one store of each kind, the Redis one on a real server.
func stores(t testing.TB) map[string]Store {
	t.Helper()
	fs, err := NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rs, _, _ := redisStore(t)
	return map[string]Store{"memory": NewMemoryStore(), "file": fs, "redis": rs}
}

func newData(maxInactive time.Duration) *Data {
	now := time.Now()
	return &Data{Created: now, Accessed: now, MaxInactive: maxInactive, Values: map[string]json.RawMessage{}}
}

// newManager returns a Manager closed when the test ends.
func newManager(t testing.TB, st Store, cfg Config) *Manager {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	m, err := New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// counter is a handler that counts requests in the session attribute "n"
// with Update and answers the count.
func counter(m *Manager) http.Handler {
	return m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		n := 0
		err := s.Update(r.Context(), func(s *Session) error {
			n = 0
			if _, err := s.Get("n", &n); err != nil {
				return err
			}
			n++
			return s.Set("n", n)
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Session", s.ID())
		json.NewEncoder(w).Encode(n)
	}))
}

// do runs one request through h with the session cookie given ("" for
// none) and extra "Name: value" headers.
func do(t testing.TB, h http.Handler, target, cookie string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
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

// count decodes the counter's answer.
func count(t testing.TB, w *httptest.ResponseRecorder) int {
	t.Helper()
	var n int
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &n); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return n
}

func cookieOf(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == "JSESSIONID" {
			return c
		}
	}
	return nil
}

// stored returns the stored value of attribute key of session id.
func stored(t testing.TB, st Store, id, key string) (int, int64) {
	t.Helper()
	d, err := st.Load(context.Background(), id)
	if err != nil {
		t.Fatalf("load %s: %v", id, err)
	}
	var n int
	json.Unmarshal(d.Values[key], &n)
	return n, d.Version
}
