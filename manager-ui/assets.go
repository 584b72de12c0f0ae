package managerui

import (
	"github.com/valyala/fasthttp"
)

// staticTypes lists the assets served under {path}/static/; anything else
// is a 404, so the templates themselves are never served.
var staticTypes = map[string]string{
	"style.css": "text/css; charset=utf-8",
	"app.js":    "text/javascript; charset=utf-8",
}

// serveAsset answers GET {path}/static/{name}.
func serveAsset(ctx *fasthttp.RequestCtx, name string) {
	ct, ok := staticTypes[name]
	if !ok || !(ctx.IsGet() || ctx.IsHead()) {
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("404 not found\n")
		return
	}
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		return
	}
	ctx.SetContentType(ct)
	ctx.SetBody(b)
}
