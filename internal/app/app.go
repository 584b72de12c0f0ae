// Package app assembles a running balancer: the proxy on its listeners,
// the manager on its own, configuration reloads and manager edits. The
// command and end-to-end tests both start balancers through it.
package app

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/accesslog"
	"balancer/cluster"
	"balancer/config"
	"balancer/health"
	"balancer/proxy"
)

// Options are an App's collaborators.
type Options struct {
	// Logger receives the balancer's logs; nil discards them.
	Logger *slog.Logger
	// Version is shown on the manager page and in build info.
	Version string
	// Demo, when set, lets the manager page stop and start app nodes.
	Demo DemoControl
}

// DemoControl stops and starts the demo's app nodes.
type DemoControl interface {
	SetNodeRunning(route string, running bool) error
}

// App is a running balancer.
type App struct {
	log     *slog.Logger
	opts    Options
	proxy   *proxy.Proxy
	started time.Time

	mu      sync.Mutex
	cfg     *config.Config // the file's configuration (without manager edits)
	running *config.Config // cfg with the manager edits applied
	edits   []config.Edit  // the manager edits in force
	store   *cluster.Store // nil without store.redis
	metrics *metrics
	health  *health.Checker
	access  *accesslog.Log
	// stopWatch ends the file watcher.
	stopWatch chan struct{}
	stopOnce  sync.Once

	lns      []net.Listener
	certs    certs
	redirect map[string]bool // local addresses of redirect-to-https listeners

	redirectOnce sync.Once
	redirectSrv  *fasthttp.Server
	mgrLn        net.Listener
	mgrSrv       *fasthttp.Server
	mgrStop      context.CancelFunc
	wg           sync.WaitGroup
}

// Start builds the balancer for cfg and starts serving.
func Start(cfg *config.Config, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{log: o.Logger, opts: o, cfg: cfg, running: cfg, started: time.Now(), redirect: map[string]bool{}}
	po := proxy.Options{Logger: o.Logger}
	if cfg.AccessLog.Path != "" {
		l, err := accesslog.Open(cfg.AccessLog.Path, cfg.AccessLog.Format)
		if err != nil {
			return nil, err
		}
		a.access = l
		po.Observer = observer{l}
	}
	if cfg.Store.Redis != nil {
		a.store = cluster.New(cluster.Options{Redis: cfg.Store.Redis, Cluster: cfg.Store.Cluster, Logger: o.Logger})
		po.Sync = a.store
	}
	p, err := proxy.New(cfg, po)
	if err != nil {
		return nil, err
	}
	a.proxy = p
	a.metrics = newMetrics(a)
	if err := a.listen(cfg); err != nil {
		a.closeListeners()
		return nil, err
	}
	if err := a.startManager(); err != nil {
		a.closeListeners()
		return nil, err
	}
	for _, ln := range a.lns {
		a.wg.Add(1)
		serve := p.Serve
		if a.redirect[ln.Addr().String()] {
			serve = a.redirectServer().Serve
		}
		go func(ln net.Listener) {
			defer a.wg.Done()
			if err := serve(ln); err != nil {
				a.log.Error("serve", "listen", ln.Addr().String(), "error", err)
			}
		}(ln)
		a.log.Info("listening", "addr", ln.Addr().String())
	}
	a.startHealth()
	a.stopWatch = make(chan struct{})
	if cfg.Watch && cfg.File != "" {
		go a.watchFile(a.stopWatch)
	}
	if a.store != nil {
		a.store.Start(a)
	}
	return a, nil
}

// ProxyAddr is the first public listener's address.
func (a *App) ProxyAddr() string { return a.lns[0].Addr().String() }

// ManagerAddr is the manager listener's address.
func (a *App) ManagerAddr() string { return a.mgrLn.Addr().String() }

// Proxy returns the runtime.
func (a *App) Proxy() *proxy.Proxy { return a.proxy }

// Config returns the configuration loaded from the file.
func (a *App) Config() *config.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

func (a *App) closeListeners() {
	for _, ln := range a.lns {
		ln.Close()
	}
	if a.mgrLn != nil {
		a.mgrLn.Close()
	}
}

// Reload loads the configuration file again and swaps it in; a bad file is
// reported and the running configuration stays.
func (a *App) Reload() error {
	file := a.Config().File
	a.mu.Lock()
	defer a.mu.Unlock()
	cfg, err := config.Load(file)
	var running *config.Config
	var edits []config.Edit
	if err == nil {
		edits = keptEdits(a.cfg, cfg, a.edits)
		running, err = config.WithEdits(cfg, edits)
	}
	if err == nil {
		err = a.reloadCerts(cfg)
	}
	if err == nil {
		err = a.proxy.Apply(running)
	}
	if err != nil {
		a.reloads(false)
		a.log.Error("reload failed; the running configuration stays", "file", file, "error", err.Error())
		return err
	}
	a.cfg, a.running, a.edits = cfg, running, edits
	a.syncHealth(running)
	a.reloads(true)
	a.log.Info("configuration reloaded", "file", file)
	return nil
}

// Stop stops accepting, waits up to grace for in-flight requests, then
// closes what is left.
func (a *App) Stop(grace time.Duration) error {
	var err error
	a.stopOnce.Do(func() { err = a.stop(grace) })
	return err
}

func (a *App) stop(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := a.proxy.Shutdown(ctx)
	close(a.stopWatch)
	a.health.Stop()
	if a.access != nil {
		a.access.Close()
	}
	if a.store != nil {
		a.store.Close()
	}
	if a.redirectSrv != nil {
		_ = a.redirectSrv.ShutdownWithContext(ctx)
	}
	a.wg.Wait()
	a.mgrStop()
	_ = a.mgrSrv.Shutdown()
	return err
}
