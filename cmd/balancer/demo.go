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
	"strings"
	"sync"
	"syscall"
	"time"

	"balancer/config"
	"balancer/internal/app"
	"balancer/session"
	"balancer/session/appnode"
)

// demo runs the balancer in front of three app nodes that share an
// in-process session store: nothing to install, nothing to configure.
func demo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "the balancer's address")
	mgr := fs.String("manager", "127.0.0.1:8081", "the balancer-manager's address")
	nodes := fs.Int("nodes", 3, "app nodes to run")
	firstPort := fs.Int("node-port", 8101, "port of the first app node (the others follow)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := newLogger(stderr, "info")
	d := &demoNodes{store: session.NewMemoryStore(), log: log, nodes: map[string]*demoNode{}}
	var members strings.Builder
	for i := 1; i <= *nodes; i++ {
		route := fmt.Sprintf("node%d", i)
		addr := fmt.Sprintf("127.0.0.1:%d", *firstPort+i-1)
		if err := d.add(route, addr); err != nil {
			fmt.Fprintf(stderr, "balancer demo: app node %s on %s: %v (try -node-port)\n", route, addr, err)
			d.stopAll()
			return 1
		}
		fmt.Fprintf(&members, "      - url: http://%s\n        route: %s\n", addr, route)
	}
	yml := fmt.Sprintf(demoYAML, *listen, *mgr, members.String())
	cfg, err := config.Parse("demo.yaml", []byte(yml))
	if err != nil {
		fmt.Fprintln(stderr, err)
		d.stopAll()
		return 1
	}
	a, err := app.Start(cfg, app.Options{Logger: log, Version: version(), Demo: d})
	if err != nil {
		fmt.Fprintf(stderr, "balancer demo: %v (try -listen and -manager)\n", err)
		d.stopAll()
		return 1
	}
	fmt.Fprintf(stdout, `
balancer demo: %d app nodes behind the balancer, sessions in a store they share.

  open  http://%s/                   the app: click Count, note the node
  open  http://%s/balancer-manager   the manager: stop that node, click Count again:
                                                another node takes the session over and keeps counting
  curl  http://%s/counter           the same as JSON

Ctrl-C stops everything.
`, *nodes, a.ProxyAddr(), a.ManagerAddr(), a.ProxyAddr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	a.Stop(5 * time.Second)
	d.stopAll()
	return 0
}

// demoYAML is the demo's configuration: the contract's YAML, with health
// checks and a short retry so that a stopped node is noticed at once.
const demoYAML = `
listen: %q
manager:
  listen: %q
balancers:
  - name: demo
    lbmethod: byrequests
    stickysession: JSESSIONID|jsessionid
    healthcheck:
      uri: /health
      interval: 1s
      fails: 1
      passes: 1
    members:
%sroutes:
  - path: /
    balancer: demo
`

// demoNodes runs the app nodes and stops and starts them for the manager.
type demoNodes struct {
	store *session.MemoryStore
	log   *slog.Logger
	mu    sync.Mutex
	nodes map[string]*demoNode
}

type demoNode struct {
	addr string
	h    http.Handler
	srv  *http.Server
}

func (d *demoNodes) add(route, addr string) error {
	m, err := session.New(d.store, session.Config{Worker: route, Logger: d.log.With("node", route)})
	if err != nil {
		return err
	}
	n := &demoNode{addr: addr, h: appnode.New(route, m)}
	d.nodes[route] = n
	return n.start()
}

func (n *demoNode) start() error {
	if n.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", n.addr)
	if err != nil {
		return err
	}
	n.srv = &http.Server{Handler: n.h, ReadHeaderTimeout: 10 * time.Second}
	go n.srv.Serve(ln)
	return nil
}

// SetNodeRunning stops a node as a crash would (connections cut) or
// starts it again on its address.
func (d *demoNodes) SetNodeRunning(route string, running bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := d.nodes[route]
	if n == nil {
		return errors.New("no app node " + route)
	}
	if running {
		d.log.Info("demo: starting app node", "node", route)
		return n.start()
	}
	if n.srv != nil {
		d.log.Info("demo: stopping app node", "node", route)
		n.srv.Close()
		n.srv = nil
	}
	return nil
}

func (d *demoNodes) stopAll() {
	for _, n := range d.nodes {
		if n.srv != nil {
			n.srv.Shutdown(context.Background())
		}
	}
}
