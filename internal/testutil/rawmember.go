package testutil

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Behaviour is what a RawMember does with a request that has a body.
type Behaviour int

const (
	// ReadsAll reads the whole body, then answers 200 with the body's
	// sha256 in X-Body-Sha256, keeping the connection alive.
	ReadsAll Behaviour = iota
	// AnswersEarly answers 403 with Connection: close as soon as the head
	// is read, then reads (and records) the body and closes.
	AnswersEarly
	// DiesMidBody reads DieAfter bytes of the body and closes the
	// connection with the rest unread (the kernel sends a reset).
	DiesMidBody
	// ClosesIdle answers a request for a path ending in /warm with a
	// keep-alive 200 and then closes that connection, as a member whose
	// keep-alive timeout ran out does; other requests it reads all.
	ClosesIdle
)

// DieAfter is how many body bytes a DiesMidBody member reads.
const DieAfter = 512

func (b Behaviour) String() string {
	return [...]string{"reads-all", "answers-early", "dies-mid-body", "closes-idle"}[b]
}

// RawRequest is one request a RawMember received, complete or cut.
type RawRequest struct {
	Method, URI, Proto, Host string
	Header                   http.Header
	// Complete is false when the connection ended (or the member died)
	// before the body's framing ended.
	Complete bool
	// Len and Sha256 describe the body bytes received (decoded).
	Len    int
	Sha256 string
}

// RawMember is a member server over raw TCP on 127.0.0.1 that parses
// requests itself, behaves as its Behaviour says, and records every
// request head it read with what it received of the body. A WebSocket
// upgrade it answers 101 and then echoes what it receives.
type RawMember struct {
	Addr string
	URL  string
	// IdleClosed receives a value each time a ClosesIdle member has
	// closed a connection after answering /warm.
	IdleClosed chan struct{}

	b      Behaviour
	ln     net.Listener
	mu     sync.Mutex
	reqs   []RawRequest
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// StartRawMember starts a RawMember on 127.0.0.1:0, closed when the test
// ends.
func StartRawMember(t testing.TB, b Behaviour) *RawMember {
	t.Helper()
	m, err := NewRawMember("127.0.0.1:0", b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// NewRawMember starts a RawMember listening on addr.
func NewRawMember(addr string, b Behaviour) (*RawMember, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	m := &RawMember{Addr: ln.Addr().String(), URL: "http://" + ln.Addr().String(),
		IdleClosed: make(chan struct{}, 64), b: b, ln: ln, conns: map[net.Conn]struct{}{}}
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

// Close stops the member and waits for its connections to end.
func (m *RawMember) Close() {
	m.mu.Lock()
	m.closed = true
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
		m.mu.Unlock()
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.serve(c)
			c.Close()
			m.mu.Lock()
			delete(m.conns, c)
			m.mu.Unlock()
		}()
	}
}

func (m *RawMember) record(r *http.Request, complete bool, n int, sum []byte) {
	m.mu.Lock()
	m.reqs = append(m.reqs, RawRequest{Method: r.Method, URI: r.RequestURI, Proto: r.Proto, Host: r.Host,
		Header: r.Header.Clone(), Complete: complete, Len: n, Sha256: hex.EncodeToString(sum)})
	m.mu.Unlock()
}

func (m *RawMember) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		r, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			// Switch and echo: enough to tell a tunnel from a refusal.
			m.record(r, true, 0, sha256.New().Sum(nil))
			fmt.Fprint(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
			_, _ = io.Copy(c, br)
			return
		}
		h := sha256.New()
		hasBody := r.ContentLength != 0
		switch {
		case m.b == AnswersEarly && hasBody:
			fmt.Fprint(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\nConnection: close\r\n\r\nearly")
			n, err := io.Copy(h, r.Body)
			m.record(r, err == nil, int(n), h.Sum(nil))
			return
		case m.b == DiesMidBody && hasBody:
			n, err := io.CopyN(h, r.Body, DieAfter)
			m.record(r, false, int(n), h.Sum(nil))
			if err == nil {
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
			}
			return
		}
		n, err := io.Copy(h, r.Body)
		m.record(r, err == nil, int(n), h.Sum(nil))
		if err != nil {
			return
		}
		sum := hex.EncodeToString(h.Sum(nil))
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Body-Sha256: %s\r\nX-Body-Len: %d\r\n\r\nok\n", sum, n)
		if m.b == ClosesIdle && strings.HasSuffix(r.URL.Path, "/warm") {
			// The keep-alive timeout ran out: close without a word.
			c.Close()
			select {
			case m.IdleClosed <- struct{}{}:
			default:
			}
			return
		}
		if r.Close {
			return
		}
	}
}
