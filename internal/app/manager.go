package app

import (
	"net"

	"github.com/valyala/fasthttp"
)

// startManager serves the manager listener.
func (a *App) startManager() error {
	cfg := a.Config()
	ln, err := net.Listen("tcp", cfg.Manager.Listen)
	if err != nil {
		return err
	}
	a.mgrLn = ln
	a.mgrSrv = &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			switch string(ctx.Path()) {
			case "/healthz":
				ctx.SetBodyString("ok\n")
			default:
				ctx.NotFound()
			}
		},
		NoDefaultServerHeader: true,
	}
	go a.mgrSrv.Serve(ln)
	a.log.Info("manager listening", "addr", ln.Addr().String(), "path", cfg.Manager.Path)
	return nil
}
