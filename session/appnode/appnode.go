// Package appnode is the reference app node: a counter kept in the user's
// session, served by a node built on the session library. cmd/appnode runs
// one per process; the balancer's demo runs several in one process on a
// shared store.
//
//	GET  /          the counter page (HTML)
//	POST /          counts once, then shows the page again
//	GET  /counter   {"node":"node1","session":"<id>.<worker>","count":N}; counts once
//	GET  /health    200 while it serves
//
// Every path also takes the session as a ";jsessionid=" path parameter.
package appnode

import (
	"embed"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"

	"balancer/session"
)

//go:embed page.html
var assets embed.FS

var page = template.Must(template.ParseFS(assets, "page.html"))

// counterKey is the session attribute the counter lives in.
const counterKey = "count"

// State is what /counter answers.
type State struct {
	Node    string `json:"node"`
	Session string `json:"session"`
	Count   int    `json:"count"`
}

// New returns the handler of the node named worker, which must be m's
// worker. Any Store works, including one MemoryStore shared by several
// nodes in one process.
func New(worker string, m *session.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /counter", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		n, err := increment(r, s)
		if err != nil {
			slog.Error("counter: session store", "worker", worker, "error", err.Error())
			http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(State{Node: worker, Session: s.ID(), Count: n})
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		st := State{Node: worker}
		if ok, _ := s.Get(counterKey, &st.Count); !ok {
			s.Set(counterKey, 0) // starts the session: its cookie goes out with the page
		}
		st.Session = s.ID()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
		page.Execute(w, st)
	})
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		if _, err := increment(r, session.FromContext(r.Context())); err != nil {
			http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return m.Middleware(mux)
}

// increment adds one to the session's counter with Update, so concurrent
// requests on any nodes never lose a count.
func increment(r *http.Request, s *session.Session) (int, error) {
	var n int
	err := s.Update(r.Context(), func(s *session.Session) error {
		n = 0
		if _, err := s.Get(counterKey, &n); err != nil {
			return err
		}
		n++
		return s.Set(counterKey, n)
	})
	return n, err
}
