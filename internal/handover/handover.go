// Package handover serves listeners with a fasthttp.Server that can be
// replaced while it serves. A fasthttp.Server's fields must not change
// once it serves, so a change of its limits is a new server: connections
// accepted after Swap go to the new one, and the one it replaces is shut
// down gracefully (idle keep-alive connections closed, requests in flight
// answered with "Connection: close"). Listeners stay open throughout, so
// no connection is refused while servers change hands.
package handover

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Servers hands every connection accepted on its listeners to its current
// server. The zero value is ready to use; Swap gives it its first server.
// It is safe for concurrent use.
type Servers struct {
	mu      sync.Mutex
	cur     *generation
	retired map[*generation]struct{} // shutting down
	lns     map[net.Listener]struct{}
	closed  bool
	// cut is closed when Shutdown's deadline passes: retiring servers
	// stop waiting for their connections.
	cut chan struct{}
}

// generation is one server and the queue it accepts from.
type generation struct {
	srv  *fasthttp.Server
	q    *Queue
	done chan struct{} // closed once it is shut down
}

// Swap makes srv serve every connection accepted from now on. The server
// it replaces stops accepting and is shut down gracefully in the
// background; Shutdown waits for it. After Shutdown, Swap shuts srv down.
func (s *Servers) Swap(srv *fasthttp.Server) {
	g := &generation{srv: srv, q: NewQueue(), done: make(chan struct{})}
	go func() { _ = srv.Serve(g.q) }()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		g.q.Close()
		_ = srv.Shutdown()
		return
	}
	s.init()
	old := s.cur
	s.cur = g
	if old != nil {
		s.retired[old] = struct{}{}
	}
	s.mu.Unlock()
	if old != nil {
		go s.retire(old)
	}
}

// Current returns the server that serves new connections (nil before the
// first Swap).
func (s *Servers) Current() *fasthttp.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil
	}
	return s.cur.srv
}

func (s *Servers) init() {
	if s.retired == nil {
		s.retired = map[*generation]struct{}{}
		s.lns = map[net.Listener]struct{}{}
		s.cut = make(chan struct{})
	}
}

// retire shuts g down once its connections are done, or when Shutdown's
// deadline cuts the wait short.
func (s *Servers) retire(g *generation) {
	defer close(g.done)
	// The queue is closed first: Serve may not have started yet, and a
	// server that never served returns from Shutdown at once.
	g.q.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.cut:
			cancel()
		case <-ctx.Done():
		}
	}()
	_ = g.srv.ShutdownWithContext(ctx)
	s.mu.Lock()
	delete(s.retired, g)
	s.mu.Unlock()
}

// Serve accepts connections on ln and hands them to the current server
// until ln is closed (then it returns nil) or Shutdown. Closing ln stops
// only this listener: connections it accepted are served to their end.
func (s *Servers) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ln.Close()
	}
	s.init()
	s.lns[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()
	return Accept(ln, s.deliver)
}

// Accept accepts connections on ln and hands each to handle until ln is
// closed (then it returns nil) or fails for good. A temporary failure
// (out of file descriptors and the like) is waited out, as net/http does.
func Accept(ln net.Listener, handle func(net.Conn)) error {
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			if !temporary(err) {
				return err
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		handle(c)
	}
}

func temporary(err error) bool {
	var t interface{ Temporary() bool }
	if errors.As(err, &t) && t.Temporary() {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// deliver hands c to the current server; a server retired meanwhile
// passes it on to its successor.
func (s *Servers) deliver(c net.Conn) {
	for {
		s.mu.Lock()
		g := s.cur
		if s.closed {
			g = nil
		}
		s.mu.Unlock()
		if g == nil {
			c.Close()
			return
		}
		if g.q.Put(c) {
			return
		}
	}
}

// Shutdown closes the listeners, then waits until ctx ends for the
// requests in flight on every server, current and retiring, to finish.
func (s *Servers) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.init()
	for ln := range s.lns {
		ln.Close()
	}
	cur := s.cur
	gens := make([]*generation, 0, len(s.retired))
	for g := range s.retired {
		gens = append(gens, g)
	}
	s.mu.Unlock()
	var err error
	if cur != nil {
		cur.q.Close()
		err = cur.srv.ShutdownWithContext(ctx)
	}
	for _, g := range gens {
		select {
		case <-g.done:
		case <-ctx.Done():
			close(s.cut)
			<-g.done
			if err == nil {
				err = ctx.Err()
			}
			return err
		}
	}
	return err
}
