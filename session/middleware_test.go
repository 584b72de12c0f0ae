package session

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCommitBeforeFirstByte: the session is saved and its cookie set
// before the header goes out, however the handler starts its response
// (a real server, so a header written early cannot be amended).
func TestCommitBeforeFirstByte(t *testing.T) {
	st := NewMemoryStore()
	m := newManager(t, st, Config{Worker: "n1"})
	saw := make(chan bool, 1)
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		s.Set("k", "before")
		switch r.URL.Path {
		case "/write":
			w.Write([]byte("x"))
		case "/header":
			w.WriteHeader(http.StatusCreated)
		case "/flush":
			http.NewResponseController(w).Flush()
		case "/early-hints":
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Write([]byte("x"))
		}
		// The session is in the store once the response has started, so a
		// next request on another node finds it.
		id, _ := splitID(s.ID())
		_, err := st.Load(r.Context(), id)
		saw <- err == nil
		// Changed after the commit: saved when the handler returns.
		s.Set("k", "after")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, path := range []string{"/write", "/header", "/flush", "/early-hints", "/none"} {
		t.Run(path, func(t *testing.T) {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			inStore := <-saw
			if path != "/none" && !inStore {
				t.Error("session not saved when the response started")
			}
			var c *http.Cookie
			for _, k := range resp.Cookies() {
				c = k
			}
			if c == nil {
				t.Fatal("no session cookie")
			}
			id, _ := splitID(c.Value)
			d, err := st.Load(context.Background(), id)
			if err != nil || string(d.Values["k"]) != `"after"` {
				t.Fatalf("stored %s (%v), want the change made after the commit", d.Values["k"], err)
			}
		})
	}
}

// TestFromContextOutside: no session outside the middleware.
func TestFromContextOutside(t *testing.T) {
	if FromContext(context.Background()) != nil {
		t.Fatal("a session outside the middleware")
	}
	r := httptest.NewRequest("GET", "/", nil)
	if _, r2 := (&Manager{cfg: Config{CookieName: "JSESSIONID"}}).requestID(r); r2 != r || strings.Contains(r2.URL.Path, ";") {
		t.Fatal("a request without a path parameter was copied")
	}
}
