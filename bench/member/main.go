// Command member is a fast member server for the benchmarks: it answers
// every request with a small body and its route in X-Route, and gives
// requests without a session a JSESSIONID ending in its route.
package main

import (
	"flag"
	"log"
	"strconv"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19101", "address")
	route := flag.String("route", "node1", "route")
	flag.Parse()
	var n atomic.Int64
	body := []byte("hello from " + *route + "\n")
	h := func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("X-Route", *route)
		if len(ctx.Request.Header.Cookie("JSESSIONID")) == 0 {
			ctx.Response.Header.Set("Set-Cookie", "JSESSIONID=s"+strconv.FormatInt(n.Add(1), 36)+"."+*route+"; Path=/")
		}
		ctx.SetContentType("text/plain")
		ctx.SetBody(body)
	}
	log.Fatal((&fasthttp.Server{Handler: h, Name: "member"}).ListenAndServe(*listen))
}
