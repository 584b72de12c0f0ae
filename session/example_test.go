package session_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"balancer/session"
)

// A node counts visits in the session; a second node on the same store
// takes the session over and re-issues the cookie with its own route.
func Example() {
	store := session.NewMemoryStore() // or OpenStore("redis://127.0.0.1:6379/0")
	node := func(worker string) http.Handler {
		m, err := session.New(store, session.Config{Worker: worker, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			panic(err)
		}
		return m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.FromContext(r.Context())
			var n int
			s.Update(r.Context(), func(s *session.Session) error {
				n = 0
				s.Get("visits", &n)
				n++
				return s.Set("visits", n)
			})
			fmt.Fprintf(w, "visit %d", n)
		}))
	}
	node1, node2 := node("node1"), node("node2")

	cookie := ""
	for _, h := range []http.Handler{node1, node1, node2} {
		r := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			r.Header.Set("Cookie", "JSESSIONID="+cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		route := "(cookie unchanged)"
		if cs := w.Result().Cookies(); len(cs) == 1 {
			cookie = cs[0].Value
			route = "cookie for " + cookie[len(cookie)-5:]
		}
		fmt.Println(w.Body.String(), route)
	}
	// Output:
	// visit 1 cookie for node1
	// visit 2 (cookie unchanged)
	// visit 3 cookie for node2
}
