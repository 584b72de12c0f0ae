// Package appnode is the reference app node: a counter kept in the user's
// session, served by a node built on the session library. The demo, the
// documentation and the tests use it.
//
//	GET /          the counter page (HTML)
//	GET /counter   {"node":"node1","session":"<id>.<worker>","count":N}; increments the count
//	GET /health    200 while it serves
package appnode

import (
	"embed"
	"encoding/json"
	"html/template"
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

// New returns the node's handler; m's worker names the node.
func New(worker string, m *session.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /counter", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		st := State{Node: worker}
		err := s.Update(r.Context(), func(s *session.Session) error {
			st.Count = 0
			if _, err := s.Get(counterKey, &st.Count); err != nil {
				return err
			}
			st.Count++
			return s.Set(counterKey, st.Count)
		})
		if err != nil {
			http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
			return
		}
		st.Session = s.ID()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		st := State{Node: worker, Session: s.ID()}
		if ok, _ := s.Get(counterKey, &st.Count); !ok {
			s.Set(counterKey, 0) // starts the session: its cookie goes out with the page
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
		page.Execute(w, st)
	})
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		s.Update(r.Context(), func(s *session.Session) error {
			n := 0
			s.Get(counterKey, &n)
			return s.Set(counterKey, n+1)
		})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return m.Middleware(mux)
}
