package app

import (
	"github.com/valyala/fasthttp"
)

// redirectServer answers every request on a plain listener with a
// permanent redirect to the same URL over https.
func (a *App) redirectServer() *fasthttp.Server {
	a.redirectOnce.Do(func() {
		a.redirectSrv = &fasthttp.Server{
			Name:                  "balancer",
			NoDefaultServerHeader: true,
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
	})
	return a.redirectSrv
}
