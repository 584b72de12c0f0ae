// Command member is the soak test's member: it answers every request with
// 200 after about 5 ms, its route in X-Route, and a body naming the route
// and how many request body bytes it read, so that the driver can tell a
// POST that arrived whole. It is killed with SIGKILL and started again on
// the same address while the soak runs.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19201", "address to listen on")
	route := flag.String("route", "node1", "route named in X-Route")
	delay := flag.Duration("delay", 5*time.Millisecond, "time spent on each request")
	flag.Parse()

	// A restarted member may find its port still held for a moment.
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", *listen); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		log.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		time.Sleep(*delay)
		w.Header().Set("X-Route", *route)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "route=%s len=%d\n", *route, n)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	log.Fatal(srv.Serve(ln))
}
