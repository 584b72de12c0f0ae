package proxy

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/config"
	"balancer/internal/handover"
)

// Proxy is the balancer runtime. It is safe for concurrent use; the
// configuration is swapped atomically by Apply.
type Proxy struct {
	snap     atomic.Pointer[Snapshot]
	states   *states
	log      *slog.Logger
	observer Observer

	// applyMu serialises Apply (reloads and manager edits).
	applyMu sync.Mutex
	// servers serve the listeners; a change of limits is a new server
	// (limits.go).
	servers handover.Servers
	limits  config.Limits
	tunnels tunnels
	// edge is the client-side settings of the configuration in force.
	edge   atomic.Pointer[edge]
	panics atomic.Int64
	// protocols counts requests by the client's protocol: HTTP/1.0,
	// HTTP/1.1, HTTP/2.
	protocols [3]atomic.Int64
	// h2 serves the HTTP/2 connections (h2server.go).
	h2 h2Servers
	// idle parks idle keep-alive connections (idle.go).
	idle idleConns
}

// Options are the Proxy's collaborators.
type Options struct {
	// Logger receives member state transitions; nil discards them.
	Logger *slog.Logger
	// Observer sees every finished request; nil for none.
	Observer Observer
	// Sync shares sticky tables with other replicas; nil for none.
	Sync SessionSync
	// Clock tells the time of the runtime's state machine: a member's
	// error and retry time, slow start and recovery, the lifetimes of the
	// session tables, the balancer timeout's wait, the manager's view.
	// nil is time.Now; tests give a clock they move on instead of waiting.
	// Socket deadlines and the durations measured for metrics always use
	// the real time: the kernel and the observers know no other.
	Clock func() time.Time
}

// New builds a Proxy serving cfg.
func New(cfg *config.Config, o Options) (*Proxy, error) {
	p := &Proxy{states: newStates(o.Clock), log: o.Logger, observer: o.Observer}
	p.states.sync = o.Sync
	p.idle.serve = func(ln net.Listener) { _ = p.servers.Serve(lingerListener{ln}) }
	p.idle.current = p.servers.Current
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if err := p.Apply(cfg); err != nil {
		return nil, err
	}
	p.limits = cfg.Limits
	p.servers.Swap(p.newServer(&cfg.Limits))
	return p, nil
}

// Snapshot returns the configuration in force.
func (p *Proxy) Snapshot() *Snapshot { return p.snap.Load() }

// Apply builds a snapshot of cfg and swaps it in; on error the running
// snapshot stays. Members that remain (same balancer, same URL) keep their
// counters, error state and connection pools; requests in flight finish on
// the snapshot they started with.
func (p *Proxy) Apply(cfg *config.Config) error {
	p.applyMu.Lock()
	defer p.applyMu.Unlock()
	s, err := p.states.build(cfg)
	if err != nil {
		return err
	}
	p.snap.Store(s)
	p.edge.Store(newEdge(cfg))
	p.states.prune(s)
	for _, b := range s.Balancers {
		b.st.current.Store(b)
		b.st.changes.notify()
	}
	s.followTableLimits(p.states.now())
	return nil
}

// Handler returns the request handler, for callers with their own server.
func (p *Proxy) Handler() fasthttp.RequestHandler { return p.handle }

// newServer builds the client-facing server for l, and makes l the limits
// of idle connections.
func (p *Proxy) newServer(l *config.Limits) *fasthttp.Server {
	p.idle.setLimits(l.IdleRelease.D(), l.MaxConns)
	return &fasthttp.Server{
		Handler: p.handle,
		// ConnState tells idle connections, to park them (idle.go).
		ConnState:      p.idle.connState,
		HeaderReceived: p.headerReceived,
		// ExpectHandler refuses what the head alone refuses before any
		// "100 Continue" (expect.go).
		ExpectHandler:     p.expect,
		Name:              "balancer",
		StreamRequestBody: true,
		// Body limits are the request path's own (clientBody): fasthttp
		// checks neither a streamed Content-Length nor a chunked body.
		MaxRequestBodySize: math.MaxInt32,
		ReadBufferSize:     int(l.MaxHeaderBytes),
		// ReadTimeout bounds the head only: headerReceived gives what
		// follows (the first part of the body, read before the handler
		// runs) the body's timeout.
		ReadTimeout:                   l.ReadHeaderTimeout.D(),
		IdleTimeout:                   l.IdleTimeout.D(),
		MaxIdleWorkerDuration:         workerIdle,
		Concurrency:                   l.MaxConns,
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		DisablePreParseMultipartForm:  true,
		DisableHeaderNamesNormalizing: false,
		CloseOnShutdown:               true,
		Logger:                        fasthttpLogger{p.log},
	}
}

// headerReceived runs once a request head is read, before fasthttp reads
// the first part of a Content-Length body (min(size, limit, 8 KiB)) under
// one deadline for the whole part. From here on the body's per-read
// timeout applies, not readheadertimeout: fasthttp is given the body's
// timeout and a limit of one byte, so it waits for one byte at most (a
// larger body then streams: fasthttp does not refuse it) and
// clientBody reads the rest, each read with its own deadline. It also
// settles an Expect: 100-continue before fasthttp answers it
// (settleExpectation).
func (p *Proxy) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	settleExpectation(h)
	return fasthttp.RequestConfig{ReadTimeout: p.edge.Load().bodyTimeout, MaxRequestBodySize: 1}
}

// Serve accepts connections on ln until ln is closed or Shutdown.
func (p *Proxy) Serve(ln net.Listener) error {
	err := p.servers.Serve(lingerListener{p.idle.listener(ln)})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, waits for in-flight requests until ctx ends,
// then closes what is left.
func (p *Proxy) Shutdown(ctx context.Context) error {
	err := p.servers.Shutdown(ctx)
	p.idle.shutdown()
	if err2 := p.h2.shutdown(ctx); err == nil {
		err = err2
	}
	p.tunnels.shutdown(ctx)
	return err
}

// Tunnels returns how many upgraded connections (WebSockets) are open.
func (p *Proxy) Tunnels() int { return p.tunnels.Len() }

type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Debug("http server", "msg", format, "args", args)
}
