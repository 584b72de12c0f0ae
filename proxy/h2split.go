package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"balancer/internal/handover"
)

// ServeHTTP2 serves ln as Serve does, and takes HTTP/2 on it too: on a
// TLS listener (its tls.Config offering "h2" by ALPN), the connections
// that negotiate h2; with cleartext, those that open with HTTP/2's client
// preface (prior knowledge, RFC 9113 §3.3). The other connections are
// HTTP/1.1's, served as by Serve. The TLS handshake, or the wait for a
// connection's first bytes, is bounded by limits.readheadertimeout.
func (p *Proxy) ServeHTTP2(ln net.Listener, cleartext bool) error {
	p.startH2()
	s := &splitListener{Listener: ln, p: p, cleartext: cleartext,
		h1: make(chan net.Conn), done: make(chan struct{})}
	go s.accept()
	return p.Serve(s)
}

// splitListener accepts from a listener and hands HTTP/2 connections to
// the HTTP/2 server; Accept returns the others.
type splitListener struct {
	net.Listener
	p         *Proxy
	cleartext bool
	h1        chan net.Conn
	done      chan struct{}
	once      sync.Once
	mu        sync.Mutex
	err       error // the accept loop's end
	// sorting counts the connections whose protocol is not known yet
	// (a TLS handshake, or the first bytes, under way); limits.maxconns
	// bounds them.
	sorting atomic.Int64
}

// preface is what an HTTP/2 client sends first.
const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

func (s *splitListener) accept() {
	err := handover.Accept(s.Listener, func(c net.Conn) {
		if g := s.p.h2.current(); g != nil && g.limits.MaxConns > 0 && s.sorting.Load() >= int64(g.limits.MaxConns) {
			c.Close() // as many handshakes under way as connections allowed
			return
		}
		s.sorting.Add(1)
		go func() {
			defer s.sorting.Add(-1)
			s.sort(c)
		}()
	})
	if err == nil {
		err = net.ErrClosed
	}
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	s.Close()
}

// sort finds which protocol c speaks and hands it on.
func (s *splitListener) sort(c net.Conn) {
	g := s.p.h2.current()
	if g == nil { // shut down meanwhile
		c.Close()
		return
	}
	limit := g.limits.ReadHeaderTimeout.D()
	_ = c.SetDeadline(time.Now().Add(limit))
	h2 := false
	switch tc, ok := c.(*tls.Conn); {
	case ok:
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			c.Close()
			return
		}
		h2 = tc.ConnectionState().NegotiatedProtocol == "h2"
	case s.cleartext:
		buf := make([]byte, len(preface))
		n := 0
		for n < len(buf) {
			m, err := c.Read(buf[n:])
			n += m
			if !bytes.HasPrefix([]byte(preface), buf[:n]) {
				break
			}
			if err != nil {
				c.Close()
				return
			}
		}
		h2 = string(buf[:n]) == preface
		c = &prefixConn{Conn: c, pre: buf[:n]}
	}
	_ = c.SetDeadline(time.Time{})
	if h2 {
		s.p.h2.serve(c)
		return
	}
	select {
	case s.h1 <- c:
	case <-s.done:
		c.Close()
	}
}

// Accept returns the next HTTP/1 connection.
func (s *splitListener) Accept() (net.Conn, error) {
	select {
	case c := <-s.h1:
		return c, nil
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.err != nil {
			return nil, s.err
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting.
func (s *splitListener) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.Listener.Close()
	})
	return err
}

// prefixConn replays the bytes read to tell the protocol before reading
// on.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if n, ok := replay(&c.pre, p); ok {
		return n, nil
	}
	return c.Conn.Read(p)
}

// replay copies into b what is left of the bytes *pre read ahead, if any
// is, and drops it from *pre.
func replay(pre *[]byte, b []byte) (int, bool) {
	if len(*pre) == 0 {
		return 0, false
	}
	n := copy(b, *pre)
	*pre = (*pre)[n:]
	return n, true
}

// CloseWrite shuts the connection down for writing (lingering close).
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}
