package app

import (
	"context"
	"net"
	"reflect"
	"runtime"
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"balancer/config"
	"balancer/internal/handover"
	managerui "balancer/manager-ui"
)

// managerSide is the manager listener and what serves it. Every manager
// key reloads: new settings are a new managerui.Manager sharing the old
// one's charts and nonce key, a new address a new socket opened before
// the old one closes, and new timeouts a new server.
type managerSide struct {
	cur     atomic.Pointer[managerui.Manager]
	ln      net.Listener
	addr    string // manager.listen as configured
	servers handover.Servers
	stopRun context.CancelFunc // ends the chart sampler
}

// managerChange is what a configuration changes on the manager side,
// opened ahead: nil fields stay as they are.
type managerChange struct {
	m  *managerui.Manager
	ln net.Listener
}

func (c *managerChange) abort() {
	if c.ln != nil {
		c.ln.Close()
	}
}

// managerOptions are the manager's settings in cfg.
func (a *App) managerOptions(cfg *config.Config) managerui.Options {
	var users []config.User
	metricsAuth := false
	if cfg.Manager.Auth != nil {
		users, metricsAuth = cfg.Manager.Auth.Users, cfg.Manager.Auth.Metrics
	}
	return managerui.Options{
		Path:        cfg.Manager.Path,
		Users:       users,
		MetricsAuth: metricsAuth,
		Listen:      cfg.Manager.Listen,
		Hosts:       cfg.Manager.Hosts,
		ReadOnly:    cfg.Manager.ReadOnly,
		Gatherer:    a.metrics.reg,
		Pprof:       cfg.Manager.Pprof,
		Logger:      a.log,
	}
}

// managerSettings is cfg.Manager less what the manager reads live
// (persist, through Info).
func managerSettings(cfg *config.Config) config.Manager {
	m := cfg.Manager
	m.Persist = false
	return m
}

// planManager builds the manager cfg asks for and opens its listener when
// the address changed.
func (a *App) planManager(cfg *config.Config) (*managerChange, error) {
	c := &managerChange{}
	cur := a.mgr.cur.Load()
	if cur == nil || a.cfg == nil || !reflect.DeepEqual(managerSettings(a.cfg), managerSettings(cfg)) {
		var err error
		if cur == nil {
			c.m, err = managerui.New(backend{a}, a.managerOptions(cfg))
		} else {
			c.m, err = cur.With(a.managerOptions(cfg))
		}
		if err != nil {
			return nil, cfg.Problem("manager", err.Error())
		}
	}
	if a.mgr.ln == nil || cfg.Manager.Listen != a.mgr.addr {
		ln, err := listenTCP(cfg.Manager.Listen)
		if err != nil {
			return nil, cfg.Problem("manager.listen", "cannot listen: "+err.Error())
		}
		c.ln = ln
	}
	return c, nil
}

// mutexFraction is the share of lock waits the mutex profile samples
// (one in this many) while manager.pprof is on.
const mutexFraction = 20

// commitManager swaps in what planManager prepared and follows the
// limits' timeouts.
func (a *App) commitManager(c *managerChange, cfg *config.Config) {
	s := &a.mgr
	// With pprof on, /debug/pprof/mutex samples one lock wait in
	// mutexFraction: where concurrent requests wait on each other. The
	// cost falls only on waits, and a fraction of them.
	if cfg.Manager.Pprof {
		runtime.SetMutexProfileFraction(mutexFraction)
	} else {
		runtime.SetMutexProfileFraction(0)
	}
	if c.m != nil {
		if s.cur.Swap(c.m) == nil {
			ctx, cancel := context.WithCancel(context.Background())
			s.stopRun = cancel
			go c.m.Run(ctx)
		}
	}
	if a.cfg == nil || a.cfg.Limits.ReadHeaderTimeout != cfg.Limits.ReadHeaderTimeout ||
		a.cfg.Limits.IdleTimeout != cfg.Limits.IdleTimeout {
		s.servers.Swap(&fasthttp.Server{
			Handler:               a.serveManager,
			Name:                  "balancer-manager",
			NoDefaultServerHeader: true,
			ReadTimeout:           cfg.Limits.ReadHeaderTimeout.D(),
			IdleTimeout:           cfg.Limits.IdleTimeout.D(),
			CloseOnShutdown:       true,
		})
	}
	if c.ln != nil {
		old := s.ln
		s.ln, s.addr = c.ln, cfg.Manager.Listen
		go func(ln net.Listener) { _ = s.servers.Serve(ln) }(c.ln)
		a.log.Info("manager listening", "addr", c.ln.Addr().String(), "path", cfg.Manager.Path)
		if old != nil {
			a.log.Info("manager no longer listening", "addr", old.Addr().String())
			old.Close()
		}
	}
}

// serveManager hands the request to the manager in force.
func (a *App) serveManager(ctx *fasthttp.RequestCtx) { a.mgr.cur.Load().Handler()(ctx) }

func (s *managerSide) stop(ctx context.Context) {
	if s.stopRun != nil {
		s.stopRun()
	}
	_ = s.servers.Shutdown(ctx)
}
