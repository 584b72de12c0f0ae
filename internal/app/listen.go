package app

import (
	"crypto/tls"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/config"
	"balancer/internal/handover"
)

// listener is one open public listener. A listener that stays across a
// reload (same address, TLS or not, redirect or not) keeps its socket, so
// its connections, and those waiting to be accepted, are never dropped;
// its certificate is read again.
type listener struct {
	key  string
	addr string // as configured
	ln   net.Listener
	tcp  *net.TCPListener                 // the socket under ln
	cert *atomic.Pointer[tls.Certificate] // TLS listeners only
	// redirect answers every request with a redirect to https.
	redirect bool
	// h2 takes HTTP/2 too: by ALPN with TLS, with the preface without.
	h2 bool
	// deferSecs is the socket's TCP_DEFER_ACCEPT (0: off).
	deferSecs int
}

// listenerKey is a listener's identity across reloads; n tells apart
// entries the file gives twice (port 0).
func listenerKey(l config.Listener, n int) string {
	return fmt.Sprintf("%s tls=%t redirect=%t h2=%t #%d", l.Addr, l.TLS != nil, l.RedirectHTTPS, l.ServesHTTP2(), n)
}

// deferSeconds is how long a listener with deferaccept lets the kernel
// hold a connection that has sent nothing: readheadertimeout, after which
// the balancer would close it anyway, in whole seconds. 0 when off.
func deferSeconds(l config.Listener, lim *config.Limits) int {
	if !l.DeferAccept {
		return 0
	}
	return max(1, int((lim.ReadHeaderTimeout.D()+time.Second-1)/time.Second))
}

// loadCert reads a listener's certificate and key.
func loadCert(t *config.TLS) (*tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// tlsConfig returns modern server defaults (TLS 1.2+, Go's cipher
// preferences) serving the listener's current certificate, offering h2
// by ALPN when h2.
func tlsConfig(cur *atomic.Pointer[tls.Certificate], h2 bool) *tls.Config {
	protos := []string{"http/1.1"}
	if h2 {
		protos = []string{"h2", "http/1.1"}
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: protos,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return cur.Load(), nil
		},
	}
}

// listenPlan is the public listeners of a configuration: those kept, with
// their certificates read again, and those opened ahead of the change.
type listenPlan struct {
	next   []*listener // in the file's order
	opened []*listener
	closed []*listener // running listeners the configuration drops
	certs  map[*listener]*tls.Certificate
	// deferrals are the kept listeners whose deferaccept period changes.
	deferrals map[*listener]int
}

// planListeners opens what cfg adds to the running listeners and reads
// every certificate; on failure it closes what it opened and names the
// listener at fault.
func (a *App) planListeners(cfg *config.Config) (*listenPlan, error) {
	have := map[string]*listener{}
	for _, l := range a.listeners {
		have[l.key] = l
	}
	p := &listenPlan{certs: map[*listener]*tls.Certificate{}, deferrals: map[*listener]int{}}
	seen := map[string]int{}
	for i, lc := range cfg.Listen {
		key := listenerKey(lc, seen[lc.Addr])
		seen[lc.Addr]++
		path := cfg.ListenerPath(i)
		var cert *tls.Certificate
		if lc.TLS != nil {
			c, err := loadCert(lc.TLS)
			if err != nil {
				p.abort()
				return nil, cfg.Problem(path+".tls", "cannot load the certificate: "+err.Error())
			}
			cert = c
		}
		secs := deferSeconds(lc, &cfg.Limits)
		if err := deferAcceptErr(secs); err != nil {
			p.abort()
			return nil, cfg.Problem(path+".deferaccept", err.Error())
		}
		if l := have[key]; l != nil {
			delete(have, key)
			p.next = append(p.next, l)
			if cert != nil {
				p.certs[l] = cert
			}
			if secs != l.deferSecs {
				p.deferrals[l] = secs
			}
			continue
		}
		ln, err := listenTCP(lc.Addr)
		if err != nil {
			p.abort()
			return nil, cfg.Problem(path, "cannot listen: "+err.Error())
		}
		tcp := ln.(*net.TCPListener)
		l := &listener{key: key, addr: lc.Addr, ln: ln, tcp: tcp, redirect: lc.RedirectHTTPS, h2: lc.ServesHTTP2(), deferSecs: secs}
		p.opened = append(p.opened, l)
		if secs > 0 {
			if err := setDeferAccept(tcp, secs); err != nil {
				p.abort()
				return nil, cfg.Problem(path+".deferaccept", err.Error())
			}
		}
		if cert != nil {
			l.cert = &atomic.Pointer[tls.Certificate]{}
			l.cert.Store(cert)
			l.ln = tls.NewListener(ln, tlsConfig(l.cert, l.h2))
		}
		p.next = append(p.next, l)
	}
	for _, l := range a.listeners {
		if have[l.key] != nil {
			p.closed = append(p.closed, l)
		}
	}
	return p, nil
}

// abort closes the listeners the plan opened.
func (p *listenPlan) abort() {
	for _, l := range p.opened {
		l.ln.Close()
	}
}

// commitListeners serves the opened listeners, swaps the certificates and
// closes the dropped listeners: they stop accepting, and the connections
// they accepted are served to their end. Redirect listeners follow l as
// the proxy's do.
func (a *App) commitListeners(p *listenPlan, limits *config.Limits) {
	if a.redirect != nil && *limits != a.cfg.Limits {
		a.redirect.Swap(redirectServer(limits))
	}
	for l, c := range p.certs {
		l.cert.Store(c)
	}
	for l, secs := range p.deferrals {
		if err := setDeferAccept(l.tcp, secs); err != nil {
			a.log.Error("deferaccept not changed", "listen", l.ln.Addr().String(), "error", err)
			continue
		}
		l.deferSecs = secs
	}
	for _, l := range p.opened {
		serve := a.proxy.Serve
		switch {
		case l.redirect:
			serve = a.redirectServers(limits).Serve
		case l.h2:
			cleartext := l.cert == nil
			serve = func(ln net.Listener) error { return a.proxy.ServeHTTP2(ln, cleartext) }
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if err := serve(l.ln); err != nil {
				a.log.Error("serve", "listen", l.ln.Addr().String(), "error", err)
			}
		}()
		a.log.Info("listening", "addr", l.ln.Addr().String())
	}
	for _, l := range p.closed {
		a.log.Info("no longer listening", "addr", l.ln.Addr().String())
		l.ln.Close()
	}
	a.listeners = p.next
}

// redirectServers serves the plain listeners that answer every request
// with a permanent redirect to the same URL over https, under l.
func (a *App) redirectServers(l *config.Limits) *handover.Servers {
	a.redirectOnce.Do(func() {
		a.redirect = &handover.Servers{}
		a.redirect.Swap(redirectServer(l))
	})
	return a.redirect
}

// redirectServer answers with redirects to https, with the client limits
// of l that concern a head.
func redirectServer(l *config.Limits) *fasthttp.Server {
	return &fasthttp.Server{
		Name:                  "balancer",
		NoDefaultServerHeader: true,
		ReadBufferSize:        int(l.MaxHeaderBytes),
		ReadTimeout:           l.ReadHeaderTimeout.D(),
		IdleTimeout:           l.IdleTimeout.D(),
		Concurrency:           l.MaxConns,
		CloseOnShutdown:       true,
		Handler: func(ctx *fasthttp.RequestCtx) {
			host := ctx.Request.Header.Host()
			if len(host) == 0 {
				ctx.Error("400 Bad Request: Host header required\n", fasthttp.StatusBadRequest)
				return
			}
			ctx.Response.Header.Set("Location", "https://"+string(host)+string(ctx.Request.Header.RequestURI()))
			ctx.SetStatusCode(fasthttp.StatusPermanentRedirect)
		},
	}
}
