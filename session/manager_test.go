package session

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

func TestNewRefusesBadConfig(t *testing.T) {
	st := NewMemoryStore()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no worker", Config{}},
		{"dot in worker", Config{Worker: "a.b"}},
		{"semicolon in worker", Config{Worker: "a;b"}},
		{"space in worker", Config{Worker: "a b"}},
		{"unknown cache", Config{Worker: "n", Cache: CachePolicy{Mode: "lru"}}},
		{"on-inactivity without idle", Config{Worker: "n", Cache: CachePolicy{Mode: CacheOnInactivity}}},
		{"save period without cache", Config{Worker: "n", Cache: CachePolicy{Mode: CacheNone}, Save: SavePeriod}},
	} {
		if m, err := New(st, tc.cfg); err == nil {
			m.Close()
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestParsePolicies(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want CachePolicy
		ok   bool
	}{
		{"never", CachePolicy{Mode: CacheNever}, true},
		{"on-exit", CachePolicy{Mode: CacheOnExit}, true},
		{"none", CachePolicy{Mode: CacheNone}, true},
		{"on-inactivity:90s", CachePolicy{Mode: CacheOnInactivity, Idle: 90 * time.Second}, true},
		{"on-inactivity", CachePolicy{}, false},
		{"on-inactivity:-1s", CachePolicy{}, false},
		{"never:5s", CachePolicy{}, false},
		{"lru", CachePolicy{}, false},
	} {
		got, err := ParseCachePolicy(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCachePolicy(%q) = %+v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() != strings.Replace(tc.in, "90s", "1m30s", 1) {
			t.Errorf("%+v.String() = %q", got, got.String())
		}
	}
	for _, tc := range []struct {
		in     string
		want   SavePolicy
		period time.Duration
		ok     bool
	}{
		{"dirty", SaveDirty, 0, true},
		{"always", SaveAlways, 0, true},
		{"period:5s", SavePeriod, 5 * time.Second, true},
		{"period", 0, 0, false},
		{"period:0s", 0, 0, false},
		{"sometimes", 0, 0, false},
	} {
		got, period, err := ParseSavePolicy(tc.in)
		if (err == nil) != tc.ok || got != tc.want || period != tc.period {
			t.Errorf("ParseSavePolicy(%q) = %v, %v, %v", tc.in, got, period, err)
		}
	}
}

// TestCookie: a new session's cookie carries the worker suffix and the
// attributes; Secure only over TLS or X-Forwarded-Proto: https; an
// unchanged session gets no cookie at all.
func TestCookie(t *testing.T) {
	m := newManager(t, NewMemoryStore(), Config{Worker: "node1", CookieName: "SID"})
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("set") {
			FromContext(r.Context()).Set("k", 1)
		}
	}))
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	client := srv.Client()
	for _, tc := range []struct {
		name, url, proto string
		cookie, secure   bool
	}{
		{"untouched session", "/", "", false, false},
		{"plain http", "/?set", "", true, false},
		{"behind a TLS front", "/?set", "https", true, true},
		{"behind a plain front", "/?set", "http", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.url, nil)
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			var c *http.Cookie
			for _, k := range w.Result().Cookies() {
				if k.Name == "SID" {
					c = k
				}
			}
			if (c != nil) != tc.cookie {
				t.Fatalf("cookie %v, want one: %v", c, tc.cookie)
			}
			if c == nil {
				return
			}
			id, worker := splitID(c.Value)
			if !validID(id) || len(id) != 32 || worker != "node1" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
				c.Secure != tc.secure || c.Path != "/" {
				t.Fatalf("cookie %+v", c)
			}
		})
	}
	t.Run("TLS", func(t *testing.T) {
		resp, err := client.Get(srv.URL + "/?set")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if cs := resp.Cookies(); len(cs) != 1 || !cs[0].Secure || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
			t.Fatalf("cookies over TLS: %+v", cs)
		}
	})
}

// TestTakeOverAndFailBack: node2 loads a session with node1's suffix and
// re-issues the cookie with its own; back on node1 with node2's suffix,
// node1 does not serve its cached copy from before the move.
func TestTakeOverAndFailBack(t *testing.T) {
	for _, cache := range []string{CacheNever, CacheOnExit, CacheOnInactivity + ":1m", CacheNone} {
		t.Run(cache, func(t *testing.T) {
			p, _ := ParseCachePolicy(cache)
			st := NewMemoryStore()
			a := counter(newManager(t, st, Config{Worker: "node1", Cache: p}))
			b := counter(newManager(t, st, Config{Worker: "node2", Cache: p}))
			w := do(t, a, "/", "")
			c := cookieOf(w)
			if c == nil || count(t, w) != 1 {
				t.Fatalf("first request: cookie %v", c)
			}
			id, _ := splitID(c.Value)
			if w := do(t, a, "/", c.Value); count(t, w) != 2 || cookieOf(w) != nil {
				t.Fatalf("second request: count %s, cookie %v", w.Body, cookieOf(w))
			}
			w = do(t, b, "/", c.Value)
			if nc := cookieOf(w); count(t, w) != 3 || nc == nil || nc.Value != id+".node2" || w.Header().Get("X-Session") != id+".node2" {
				t.Fatalf("take-over: count %s, cookie %v", w.Body, nc)
			}
			if w := do(t, b, "/", id+".node2"); count(t, w) != 4 || cookieOf(w) != nil {
				t.Fatalf("after the take-over: count %s, cookie %v", w.Body, cookieOf(w))
			}
			w = do(t, a, "/", id+".node2")
			if nc := cookieOf(w); count(t, w) != 5 || nc == nil || nc.Value != id+".node1" {
				t.Fatalf("fail-back: count %s, cookie %v", w.Body, nc)
			}
		})
	}
}

// TestPathParameter: ";jsessionid=" names the session (before the
// cookie) and is removed from the path the handler sees.
func TestPathParameter(t *testing.T) {
	m := newManager(t, NewMemoryStore(), Config{Worker: "n1"})
	var paths []string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path+"|"+r.URL.EscapedPath())
		FromContext(r.Context()).Update(r.Context(), func(s *Session) error {
			n := 0
			s.Get("n", &n)
			return s.Set("n", n+1)
		})
		w.Write([]byte(FromContext(r.Context()).ID()))
	}))
	first := do(t, h, "/", "")
	full := cookieOf(first).Value
	for _, tc := range []struct {
		target, cookie, path string
	}{
		{"/shop;jsessionid=" + full, "", "/shop|/shop"},
		{"/shop;jsessionid=" + full + "/cart?x=1", "", "/shop/cart|/shop/cart"},
		{"/a%20b;jsessionid=" + full + ";v=2", "", "/a b;v=2|/a%20b;v=2"},
		{"/;jsessionid=" + full, "0123456789abcdef0123456789abcdef.n1", "/|/"},
	} {
		w := do(t, h, tc.target, tc.cookie)
		if w.Body.String() != full || paths[len(paths)-1] != tc.path {
			t.Errorf("%s: session %s (want %s), handler saw %s (want %s)", tc.target, w.Body, full, paths[len(paths)-1], tc.path)
		}
	}
	if n, _ := stored(t, m.store, strings.Split(full, ".")[0], "n"); n != 5 {
		t.Errorf("count %d after 5 requests", n)
	}
}

// TestChangeIDAndInvalidate: ChangeID keeps the values under a new id and
// removes the old one; Invalidate removes the session and clears the
// cookie.
func TestChangeIDAndInvalidate(t *testing.T) {
	for _, cache := range []string{CacheNever, CacheOnExit, CacheNone} {
		t.Run(cache, func(t *testing.T) {
			p, _ := ParseCachePolicy(cache)
			st := NewMemoryStore()
			m := newManager(t, st, Config{Worker: "n1", Cache: p})
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := FromContext(r.Context())
				switch r.URL.Path {
				case "/set":
					s.Set("user", "alice")
				case "/login":
					s.ChangeID()
				case "/logout":
					s.Invalidate()
				}
				var user string
				s.Get("user", &user)
				w.Write([]byte(user))
			}))
			c := cookieOf(do(t, h, "/set", ""))
			w := do(t, h, "/login", c.Value)
			nc := cookieOf(w)
			if nc == nil || nc.Value == c.Value || !strings.HasSuffix(nc.Value, ".n1") {
				t.Fatalf("ChangeID: cookie %v → %v", c.Value, nc)
			}
			oldID, _ := splitID(c.Value)
			newID, _ := splitID(nc.Value)
			if _, err := st.Load(context.Background(), oldID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("old id still stored after ChangeID: %v", err)
			}
			if w := do(t, h, "/", c.Value); w.Body.String() != "" {
				t.Fatalf("the old id still opens the session: %q", w.Body)
			}
			if w := do(t, h, "/", nc.Value); w.Body.String() != "alice" {
				t.Fatalf("values lost by ChangeID: %q", w.Body)
			}
			w = do(t, h, "/logout", nc.Value)
			if lc := cookieOf(w); lc == nil || lc.MaxAge >= 0 || lc.Value != "" {
				t.Fatalf("Invalidate did not clear the cookie: %+v", lc)
			}
			if _, err := st.Load(context.Background(), newID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("invalidated session still stored: %v", err)
			}
			if w := do(t, h, "/", nc.Value); w.Body.String() != "" {
				t.Fatalf("invalidated session still served: %q", w.Body)
			}
		})
	}
}

// TestCorruptSessionStartsFresh: an unreadable stored session is removed,
// logged, and replaced by a fresh one; the next request is fine too (no
// error loop).
func TestCorruptSessionStartsFresh(t *testing.T) {
	st := NewMemoryStore()
	var log testutil.LogBuffer
	m := newManager(t, st, Config{Worker: "n1", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	h := counter(m)
	id := newID()
	st.m[id] = memEntry{version: 3, b: []byte("{not json")}
	w := do(t, h, "/", id+".n1")
	c := cookieOf(w)
	if count(t, w) != 1 || c == nil || strings.HasPrefix(c.Value, id) {
		t.Fatalf("corrupt session: count %s, cookie %+v", w.Body, c)
	}
	if _, err := st.Load(context.Background(), id); !errors.Is(err, ErrNotFound) {
		t.Fatal("corrupt entry not removed")
	}
	if !strings.Contains(log.String(), "unreadable session removed") {
		t.Fatalf("no log line: %q", log.String())
	}
	if w := do(t, h, "/", c.Value); count(t, w) != 2 {
		t.Fatalf("the fresh session: %s", w.Body)
	}
}

// TestStoreDownKeepsCookie: while Redis is down a request fails with 503
// and no cookie, so the client keeps its session; once Redis is back
// (empty, as after a crash) a new session starts.
func TestStoreDownKeepsCookie(t *testing.T) {
	rs, _, rd := redisStore(t)
	m := newManager(t, rs, Config{Worker: "n1"})
	h := counter(m)
	set := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		FromContext(r.Context()).Set("k", 1)
	}))
	c := cookieOf(do(t, h, "/", ""))
	rd.Stop()
	for _, cookie := range []string{c.Value, ""} {
		w := do(t, h, "/", cookie)
		if w.Code != http.StatusServiceUnavailable || cookieOf(w) != nil {
			t.Fatalf("store down, Update, cookie %q: status %d, cookie %v", cookie, w.Code, cookieOf(w))
		}
		if w := do(t, set, "/", cookie); cookieOf(w) != nil {
			t.Fatalf("store down, Set, cookie %q: a cookie naming an unsaved session: %v", cookie, cookieOf(w))
		}
	}
	rd.Start()
	w := do(t, h, "/", c.Value)
	if nc := cookieOf(w); count(t, w) != 1 || nc == nil || nc.Value == c.Value {
		t.Fatalf("after the store lost its data: count %s, cookie %v", w.Body, nc)
	}
}

// TestSessionGoneMeanwhile: a session removed from the store while a node
// holds it (invalidated on another node) is not brought back by that node.
func TestSessionGoneMeanwhile(t *testing.T) {
	st := NewMemoryStore()
	a := newManager(t, st, Config{Worker: "a", Cache: CachePolicy{Mode: CacheNever}})
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("set") {
			FromContext(r.Context()).Set("k", r.URL.Query().Get("set"))
		}
	}))
	c := cookieOf(do(t, h, "/?set=1", ""))
	id, _ := splitID(c.Value)
	st.Delete(context.Background(), id) // another node's Invalidate
	w := do(t, h, "/?set=2", c.Value)
	nc := cookieOf(w)
	if nc == nil || nc.Value == c.Value {
		t.Fatalf("a change to a removed session: cookie %v, want a new session", nc)
	}
	if _, err := st.Load(context.Background(), id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("removed session brought back: %v", err)
	}
	nid, _ := splitID(nc.Value)
	if d, err := st.Load(context.Background(), nid); err != nil || string(d.Values["k"]) != `"2"` {
		t.Fatalf("the new session holds %v (%v), want the request's change", d, err)
	}
}
