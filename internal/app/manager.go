package app

import (
	"context"

	"github.com/valyala/fasthttp"

	"balancer/config"
	managerui "balancer/manager-ui"
)

// startManager serves the balancer-manager, its API, /metrics and
// /healthz on the manager listener.
func (a *App) startManager() error {
	cfg := a.Config()
	var users []config.User
	metricsAuth := false
	if cfg.Manager.Auth != nil {
		users, metricsAuth = cfg.Manager.Auth.Users, cfg.Manager.Auth.Metrics
	}
	m, err := managerui.New(backend{a}, managerui.Options{
		Path:        cfg.Manager.Path,
		Users:       users,
		MetricsAuth: metricsAuth,
		Listen:      cfg.Manager.Listen,
		Hosts:       cfg.Manager.Hosts,
		ReadOnly:    cfg.Manager.ReadOnly,
		Gatherer:    a.metrics.reg,
		Pprof:       cfg.Manager.Pprof,
		Logger:      a.log,
	})
	if err != nil {
		return err
	}
	ln, err := listenTCP(cfg.Manager.Listen)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	a.mgrStop = cancel
	go m.Run(ctx)
	a.mgrLn = ln
	a.mgrSrv = &fasthttp.Server{
		Handler:               m.Handler(),
		Name:                  "balancer-manager",
		NoDefaultServerHeader: true,
		ReadTimeout:           cfg.Limits.ReadHeaderTimeout.D(),
		IdleTimeout:           cfg.Limits.IdleTimeout.D(),
	}
	go a.mgrSrv.Serve(ln)
	a.log.Info("manager listening", "addr", ln.Addr().String(), "path", cfg.Manager.Path)
	return nil
}
