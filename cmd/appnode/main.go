// Command appnode is the reference app node: a session counter on the
// session library, for the demo, the documentation and the tests.
//
//	appnode -listen 127.0.0.1:8101 -worker node1 -store memory|file:DIR|redis://HOST:PORT/DB
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"balancer/session"
	"balancer/session/appnode"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8101", "address to listen on")
	worker := flag.String("worker", "node1", "this node's route (the session id suffix)")
	storeSpec := flag.String("store", "memory", "session store: memory, file:DIR, or redis://HOST:PORT/DB")
	cachePolicy := flag.String("cache", "on-exit", "session cache: never, on-exit, on-inactivity:D, none")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("worker", *worker)
	store, err := openStore(*storeSpec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "appnode:", err)
		os.Exit(2)
	}
	cache, err := session.ParseCachePolicy(*cachePolicy)
	if err != nil {
		fmt.Fprintln(os.Stderr, "appnode:", err)
		os.Exit(2)
	}
	m, err := session.New(store, session.Config{Worker: *worker, Cache: cache, Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "appnode:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "appnode:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: appnode.New(*worker, m), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	log.Info("app node listening", "addr", ln.Addr().String(), "store", *storeSpec)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "error", err)
		os.Exit(1)
	}
}

// openStore parses -store.
func openStore(spec string) (session.Store, error) {
	switch {
	case spec == "memory":
		return session.NewMemoryStore(), nil
	case strings.HasPrefix(spec, "file:"):
		return session.NewFileStore(strings.TrimPrefix(spec, "file:"))
	case strings.HasPrefix(spec, "redis://"):
		opts, err := redis.ParseURL(spec)
		if err != nil {
			return nil, err
		}
		return session.NewRedisStore(redis.NewClient(opts), "session:"), nil
	}
	return nil, fmt.Errorf("unknown -store %q (memory, file:DIR, redis://HOST:PORT/DB)", spec)
}
