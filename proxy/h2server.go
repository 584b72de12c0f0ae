package proxy

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"balancer/config"
	"balancer/internal/handover"
)

// HTTP/2 to clients. The protocol is Go's own net/http server (the same
// code as golang.org/x/net/http2, bundled and patched with each Go
// release): it answers HTTP/2's own attacks — rapid reset
// (CVE-2023-44487), CONTINUATION floods (CVE-2024-27316), HPACK bombs —
// and enforces the stream and header limits. Each of its requests is
// handed to the one request path (h2Handler). As the fasthttp servers do
// (limits.go), a change of limits is a new server for connections
// accepted from then on, the one it replaces finishing its streams after
// a GOAWAY.

// h2Servers serves HTTP/2 connections with the server of the limits in
// force. The zero value is ready once set is called.
type h2Servers struct {
	// open counts the HTTP/2 connections being served, which
	// limits.maxconns bounds as fasthttp's Concurrency bounds HTTP/1's.
	open    atomic.Int64
	mu      sync.Mutex
	cur     *h2gen
	retired sync.WaitGroup
	closed  bool
}

// h2gen is one server and the connections handed to it.
type h2gen struct {
	srv    *http.Server
	q      *handover.Queue
	limits config.Limits
}

// newH2Server returns the HTTP/2 server of limits l.
func (p *Proxy) newH2Server(l *config.Limits) *http.Server {
	var protos http.Protocols
	protos.SetHTTP2(true)
	protos.SetUnencryptedHTTP2(true)
	return &http.Server{
		Handler:   h2Handler{p},
		Protocols: &protos,
		// MaxHeaderBytes is the header list size a client may send
		// (SETTINGS_MAX_HEADER_LIST_SIZE), enforced while decoding: a
		// CONTINUATION flood or an HPACK bomb ends there.
		MaxHeaderBytes: int(l.MaxHeaderBytes),
		IdleTimeout:    l.IdleTimeout.D(),
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: l.MaxConcurrentStreams,
			// A client that stops reading its responses is let go, as
			// a stalled HTTP/1.1 client is by the member's timeout.
			WriteByteTimeout: 30 * time.Second,
			SendPingTimeout:  l.IdleTimeout.D(),
		},
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateClosed || s == http.StateHijacked {
				p.h2.open.Add(-1)
			}
		},
		ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelDebug),
	}
}

// set makes the server of limits l serve the connections handed over
// from now on; the one it replaces is shut down gracefully.
func (h *h2Servers) set(srv *http.Server, l *config.Limits) {
	g := &h2gen{srv: srv, q: handover.NewQueue(), limits: *l}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	old := h.cur
	h.cur = g
	if old != nil {
		h.retired.Add(1)
	}
	h.mu.Unlock()
	go func() { _ = srv.Serve(g.q) }()
	if old != nil {
		go func() {
			defer h.retired.Done()
			_ = old.srv.Shutdown(context.Background())
		}()
	}
}

// started reports whether a server was set.
func (h *h2Servers) started() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur != nil
}

// startH2 sets up the HTTP/2 server, on the first listener that takes
// HTTP/2: a Proxy without one runs none.
func (p *Proxy) startH2() {
	p.applyMu.Lock()
	defer p.applyMu.Unlock()
	if !p.h2.started() {
		p.h2.set(p.newH2Server(&p.limits), &p.limits)
	}
}

// current returns the generation serving new connections (nil once shut
// down).
func (h *h2Servers) current() *h2gen {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	return h.cur
}

// serve hands c, which speaks HTTP/2, to the current server, unless
// limits.maxconns HTTP/2 connections are open: then c is closed.
func (h *h2Servers) serve(c net.Conn) {
	for {
		g := h.current()
		if g == nil {
			c.Close()
			return
		}
		if max := g.limits.MaxConns; max > 0 && h.open.Load() >= int64(max) {
			c.Close()
			return
		}
		h.open.Add(1) // the server's ConnState gives it back
		if g.q.Put(c) {
			return
		}
		h.open.Add(-1)
	}
}

// shutdown sends every connection a GOAWAY and waits until ctx ends for
// their streams to finish, then closes them.
func (h *h2Servers) shutdown(ctx context.Context) error {
	h.mu.Lock()
	cur := h.cur
	h.closed = true
	h.mu.Unlock()
	var err error
	if cur != nil {
		err = cur.srv.Shutdown(ctx)
		if err != nil {
			_ = cur.srv.Close()
		}
	}
	done := make(chan struct{})
	go func() { h.retired.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return err
}
