// Command appnode is the reference app node: a session counter on the
// session library, for the demo, the documentation and the tests.
//
//	appnode -listen 127.0.0.1:8101 -worker node1 -store memory|file:DIR|redis://HOST:PORT/DB
//	  GET /          the counter page (HTML)
//	  GET /counter   JSON {"node":"node1","session":"<id>","count":N}; increments the session's count
//	  GET /health    200 while it serves
//
// Logs go to stderr; SIGTERM or SIGINT stops it gracefully: it stops
// accepting, finishes the requests in flight, writes deferred saves, and
// exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"balancer/session"
	"balancer/session/appnode"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is the command; it returns the exit code.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("appnode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8101", "address to listen on")
	worker := fs.String("worker", "node1", "this node's route, the session id's suffix")
	storeSpec := fs.String("store", "memory", "session store: memory, file:DIR, redis://HOST:PORT/DB or redis-cluster://HOST:PORT")
	cacheSpec := fs.String("cache", "on-exit", "session cache: never, on-exit, on-inactivity:D or none")
	saveSpec := fs.String("save", "dirty", "when to write sessions: dirty, always or period:D")
	maxInactive := fs.Duration("max-inactive", 30*time.Minute, "sessions expire after this long without a request")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	usage := func(err error) int {
		fmt.Fprintln(stderr, "appnode:", err)
		return 2
	}
	cache, err := session.ParseCachePolicy(*cacheSpec)
	if err != nil {
		return usage(err)
	}
	save, period, err := session.ParseSavePolicy(*saveSpec)
	if err != nil {
		return usage(err)
	}
	store, err := session.OpenStore(*storeSpec)
	if err != nil {
		return usage(err)
	}
	if c, ok := store.(io.Closer); ok {
		defer c.Close()
	}
	log := slog.New(slog.NewTextHandler(stderr, nil)).With("worker", *worker)
	slog.SetDefault(log)
	m, err := session.New(store, session.Config{Worker: *worker, Cache: cache, Save: save, SavePeriod: period,
		MaxInactive: *maxInactive, Logger: log})
	if err != nil {
		return usage(err)
	}
	defer m.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Error("listen", "error", err.Error())
		return 1
	}
	srv := &http.Server{Handler: appnode.New(*worker, m), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("app node listening", "addr", ln.Addr().String(), "store", *storeSpec, "cache", cache.String(), "save", *saveSpec)
	select {
	case err := <-served:
		log.Error("serve", "error", err.Error())
		return 1
	case <-ctx.Done():
	}
	log.Info("stopping: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("shutdown", "error", err.Error())
		return 1
	}
	log.Info("stopped")
	return 0
}
