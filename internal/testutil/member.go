// Package testutil holds test helpers shared by every package: real member
// servers on 127.0.0.1 ephemeral ports, a redis-server launcher, and
// golden-file helpers. It is imported by tests only.
package testutil

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Member is a real HTTP member server on 127.0.0.1 that answers with its
// route and records what it received.
type Member struct {
	Route string
	URL   string
	Addr  string

	// Delay is added before every answer.
	Delay atomic.Int64
	// Status, when non-zero, is the status every answer uses.
	Status atomic.Int64
	// Sessions, when set, is the member's session store: it then replaces
	// session ids it does not know (nil: any id is accepted as it is).
	Sessions atomic.Pointer[Sessions]

	hold  atomic.Pointer[hold]
	count atomic.Int64
	mu    sync.Mutex
	seen  []Seen
	srv   *http.Server
	ln    net.Listener
}

// Seen is one request a member received.
type Seen struct {
	Method, URI string
	// Host is the request's Host (net/http keeps it out of Header).
	Host   string
	Header http.Header
	Body   []byte
}

// StartMember starts a member answering `route=<route>` on 127.0.0.1:0; it
// is closed when the test ends.
func StartMember(t testing.TB, route string) *Member {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &Member{Route: route, Addr: ln.Addr().String(), URL: "http://" + ln.Addr().String(), ln: ln}
	m.srv = &http.Server{Handler: m, ReadHeaderTimeout: 5 * time.Second}
	go m.srv.Serve(ln)
	t.Cleanup(m.Close)
	return m
}

// ServeHTTP answers with the route; /set-session issues a session cookie
// `JSESSIONID=<id>.<route>`; /end-session deletes it (a logout);
// /big?n=N streams N bytes.
func (m *Member) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m.count.Add(1)
	m.mu.Lock()
	m.seen = append(m.seen, Seen{Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header.Clone(), Body: body})
	m.mu.Unlock()
	if h := m.hold.Load(); h != nil {
		h.arrived <- struct{}{}
		<-h.released
	}
	if d := m.Delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	w.Header().Set("X-Route", m.Route)
	if s := m.Sessions.Load(); s != nil {
		s.session(w, r, m.Route)
	}
	switch {
	case r.URL.Path == "/big":
		var n int64
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		w.Header().Set("Content-Type", "application/octet-stream")
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", fmt.Sprint(n))
		}
		buf := make([]byte, 64<<10)
		for n > 0 {
			k := int64(len(buf))
			if n < k {
				k = n
			}
			if _, err := w.Write(buf[:k]); err != nil {
				return
			}
			n -= k
		}
		return
	case strings.HasPrefix(r.URL.Path, "/set-session"):
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: r.URL.Query().Get("id") + "." + m.Route, Path: "/"})
	case strings.HasPrefix(r.URL.Path, "/end-session"):
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Path: "/", MaxAge: -1})
	}
	if s := m.Status.Load(); s != 0 {
		w.WriteHeader(int(s))
	}
	fmt.Fprintf(w, "route=%s\n", m.Route)
}

// Count returns how many requests the member received.
func (m *Member) Count() int64 { return m.count.Load() }

// Seen returns the requests received so far.
func (m *Member) Seen() []Seen {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Seen(nil), m.seen...)
}

// Reset forgets the count and the requests seen.
func (m *Member) Reset() {
	m.count.Store(0)
	m.mu.Lock()
	m.seen = nil
	m.mu.Unlock()
}

// Close stops the member: its port refuses connections from now on. It
// releases the requests Hold keeps.
func (m *Member) Close() {
	if h := m.hold.Load(); h != nil {
		h.release()
	}
	m.srv.Close()
}

// hold keeps requests until released (Member.Hold).
type hold struct {
	arrived  chan struct{}
	released chan struct{}
	once     sync.Once
}

func (h *hold) release() { h.once.Do(func() { close(h.released) }) }

// Hold makes the member keep every request it receives from now on, before
// answering, until release is called: arrived receives a value as each one
// arrives, so that a test knows a request is in flight instead of guessing
// how long that takes. Up to 64 arrivals wait to be received.
func (m *Member) Hold() (arrived <-chan struct{}, release func()) {
	h := &hold{arrived: make(chan struct{}, 64), released: make(chan struct{})}
	m.hold.Store(h)
	return h.arrived, func() {
		m.hold.CompareAndSwap(h, nil)
		h.release()
	}
}

// StartMemberAt starts a member on a given address (to bring a closed
// member back on its port).
func StartMemberAt(t testing.TB, route, addr string) *Member {
	t.Helper()
	var ln net.Listener
	var err error
	// The port of a member just closed may stay busy for a moment.
	if !poll(2*time.Second, func() bool { ln, err = net.Listen("tcp", addr); return err == nil }) {
		t.Fatal(err)
	}
	m := &Member{Route: route, Addr: addr, URL: "http://" + addr, ln: ln}
	m.srv = &http.Server{Handler: m, ReadHeaderTimeout: 5 * time.Second}
	go m.srv.Serve(ln)
	t.Cleanup(m.Close)
	return m
}
