package app

import (
	"github.com/valyala/fasthttp"

	"balancer/accesslog"
	"balancer/proxy"
)

// observer feeds the access log; the log is opened once at start (its
// path and format are read at start) and reopened on SIGHUP/SIGUSR1.
type observer struct{ log *accesslog.Log }

func (o observer) Done(ctx *fasthttp.RequestCtx, r *proxy.Record) {
	if o.log != nil {
		o.log.Done(ctx, r)
	}
}

// ReopenLogs reopens the access log file (after logrotate moved it).
func (a *App) ReopenLogs() {
	if a.access == nil {
		return
	}
	if err := a.access.Reopen(); err != nil {
		a.log.Error("access log not reopened", "error", err.Error())
	}
}
