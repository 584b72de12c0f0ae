package testutil

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// RawRequest is one request a RawMember received, complete or cut.
type RawRequest struct {
	// Conn is the number of the connection it came on (ScriptConn.N).
	Conn                     int
	Method, URI, Proto, Host string
	Header                   http.Header
	// Complete is false when the connection ended (or the member died)
	// before the body's framing ended.
	Complete bool
	// Len and Sha256 describe the body bytes received (decoded); Body
	// holds them (up to RawLimit).
	Len    int
	Sha256 string
	Body   []byte
	// Raw is the request exactly as it came off the wire, head and framed
	// body (up to RawLimit bytes of the connection).
	Raw []byte
}

// RawMember is a member server over raw TCP on 127.0.0.1 that runs a
// Script on every connection: it answers, or misbehaves, byte by byte as
// the script says. It records every request read with what it received of
// the body, and signals each request as it arrives and each connection as
// it ends. The Behaviours are ready-made scripts.
type RawMember struct {
	Addr string
	URL  string
	// Arrived receives each request as soon as the script has read it
	// (before it answers). Closed receives each connection once it has
	// ended, with what was read on it. Both hold up to 1024 events; the
	// member never waits for a test to take them.
	Arrived chan RawRequest
	Closed  chan RawConn
	// IdleClosed receives a value each time a ClosesIdle member has
	// closed a connection after answering /warm.
	IdleClosed chan struct{}

	script Script
	ln     net.Listener
	done   chan struct{}
	mu     sync.Mutex
	reqs   []RawRequest
	conns  map[net.Conn]struct{}
	n      int
	closed bool
	wg     sync.WaitGroup
}

// StartRawMember starts a RawMember behaving as b on 127.0.0.1:0, closed
// when the test ends.
func StartRawMember(t testing.TB, b Behaviour) *RawMember {
	t.Helper()
	return StartScripted(t, b.Script())
}

// NewRawMember starts a RawMember behaving as b, listening on addr.
func NewRawMember(addr string, b Behaviour) (*RawMember, error) {
	return NewScripted(addr, b.Script())
}

// StartScripted starts a RawMember running s on 127.0.0.1:0, closed when
// the test ends.
func StartScripted(t testing.TB, s Script) *RawMember {
	t.Helper()
	m, err := NewScripted("127.0.0.1:0", s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// NewScripted starts a RawMember running s, listening on addr.
func NewScripted(addr string, s Script) (*RawMember, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	m := &RawMember{Addr: ln.Addr().String(), URL: "http://" + ln.Addr().String(),
		Arrived: make(chan RawRequest, 1024), Closed: make(chan RawConn, 1024), IdleClosed: make(chan struct{}, 64),
		script: s, ln: ln, done: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	m.wg.Add(1)
	go m.accept()
	return m, nil
}

// Requests returns the requests received so far.
func (m *RawMember) Requests() []RawRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]RawRequest(nil), m.reqs...)
}

// Reset forgets the requests received.
func (m *RawMember) Reset() {
	m.mu.Lock()
	m.reqs = nil
	m.mu.Unlock()
}

// WaitArrived returns the first request on Arrived that match accepts,
// dropping those before it; it fails the test after 5s.
func (m *RawMember) WaitArrived(t testing.TB, what string, match func(RawRequest) bool) RawRequest {
	t.Helper()
	return waitFor(t, m.Arrived, what, match)
}

// WaitClosed returns the first connection on Closed that match accepts,
// dropping those before it; it fails the test after 5s.
func (m *RawMember) WaitClosed(t testing.TB, what string, match func(RawConn) bool) RawConn {
	t.Helper()
	return waitFor(t, m.Closed, what, match)
}

func waitFor[T any](t testing.TB, ch <-chan T, what string, match func(T) bool) T {
	t.Helper()
	limit := time.After(5 * time.Second)
	for {
		select {
		case v := <-ch:
			if match(v) {
				return v
			}
		case <-limit:
			t.Fatalf("not in 5s: %s", what)
		}
	}
}

// Close stops the member and waits for its connections to end.
func (m *RawMember) Close() {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.done)
	}
	for c := range m.conns {
		c.Close()
	}
	m.mu.Unlock()
	m.ln.Close()
	m.wg.Wait()
}

func (m *RawMember) accept() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			c.Close()
			return
		}
		m.conns[c] = struct{}{}
		n := m.n
		m.n++
		m.mu.Unlock()
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.serveScript(n, c)
			m.mu.Lock()
			delete(m.conns, c)
			m.mu.Unlock()
		}()
	}
}

func (m *RawMember) record(r RawRequest) {
	m.mu.Lock()
	m.reqs = append(m.reqs, r)
	m.mu.Unlock()
	signal(m.Arrived, r)
}
