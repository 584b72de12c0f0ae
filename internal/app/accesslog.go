package app

import (
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"balancer/accesslog"
	"balancer/proxy"
)

// accessLog feeds the access log in force; a reload that changes
// accesslog swaps in the newly opened log, SIGHUP and SIGUSR1 reopen it.
type accessLog struct{ cur atomic.Pointer[accesslog.Log] }

// Done implements proxy.Observer.
func (o *accessLog) Done(ctx *fasthttp.RequestCtx, r *proxy.Record) {
	if l := o.cur.Load(); l != nil {
		l.Done(ctx, r)
	}
}

func (o *accessLog) close() {
	if l := o.cur.Swap(nil); l != nil {
		l.Close()
	}
}

// ReopenLogs reopens the access log file (after logrotate moved it).
func (a *App) ReopenLogs() {
	l := a.access.cur.Load()
	if l == nil {
		return
	}
	if err := l.Reopen(); err != nil {
		a.log.Error("access log not reopened", "error", err.Error())
	}
}
