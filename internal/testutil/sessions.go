package testutil

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Sessions is a session store members can share: the ids they issued.
// Members given the same Sessions behave like app nodes on a shared
// session store (a session moved to another member is known there); a
// member answers a session id it does not know with a new session cookie,
// as Tomcat and the session library do.
type Sessions struct {
	mu  sync.Mutex
	ids map[string]bool
	n   int
}

// NewSessions returns an empty store.
func NewSessions() *Sessions { return &Sessions{ids: map[string]bool{}} }

// Len returns how many sessions were issued.
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

func (s *Sessions) add(id string) {
	s.mu.Lock()
	s.ids[id] = true
	s.mu.Unlock()
}

func (s *Sessions) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}

func (s *Sessions) issue() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	id := fmt.Sprintf("new%d", s.n)
	s.ids[id] = true
	return id
}

// session applies the member's session rules to a request: /set-session
// issues the id asked for; a JSESSIONID the store does not know is
// replaced by a new one.
func (s *Sessions) session(w http.ResponseWriter, r *http.Request, route string) {
	if strings.HasPrefix(r.URL.Path, "/set-session") {
		s.add(r.URL.Query().Get("id"))
		return
	}
	c, err := r.Cookie("JSESSIONID")
	if err != nil {
		return
	}
	id, _, _ := strings.Cut(c.Value, ".")
	if !s.has(id) {
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: s.issue() + "." + route, Path: "/"})
	}
}
