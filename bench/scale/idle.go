package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	idleConns   = flag.String("conns", "0,1000,5000,10000", "idle sweep: idle keep-alive client connections at each step (ascending)")
	idleMembers = flag.Int("members", 1000, "idle sweep: members in the balancer")
	idleLimits  = flag.String("idle-limits", "", "idle sweep: further limits keys, YAML flow style (e.g. \"maxheaderbytes: 32KiB\")")
	idleSettle  = flag.Duration("settle", 5*time.Second, "idle sweep: longest wait for the resident set to settle at each step")
	idleHeap    = flag.String("heapprofile", "", "idle sweep: write the balancer's heap profile at the last step to this file")
	idleWait    = flag.Duration("idle-wait", 10*time.Second, "idle sweep: how long the connections stay idle before each step is measured again")
	idleGC      = flag.Int("gc", 0, "idle sweep: garbage collections the balancer runs before each step is measured")
)

// idleSweep measures the balancer's resident memory with *idleMembers
// members and growing numbers of idle keep-alive client connections, each
// having served one sticky request, and prints a table: the resident set,
// its growth per connection, and the Go heap and stacks in use.
func idleSweep(bin string) error {
	var steps []int
	for _, f := range strings.Split(*idleConns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return fmt.Errorf("-conns: %q is not a count", f)
		}
		steps = append(steps, n)
	}
	if !slices.IsSorted(steps) || len(steps) == 0 {
		return fmt.Errorf("-conns: %q is not an ascending list", *idleConns)
	}
	most := steps[len(steps)-1]

	// One real member answers; the others exist only in the configuration.
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer mln.Close()
	go http.Serve(mln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))

	var y strings.Builder
	fmt.Fprintf(&y, "listen: %%[1]s\nmanager:\n  listen: %%[2]s\n  pprof: true\nlimits: {maxconns: %d, idletimeout: 10m", most+100)
	if *idleLimits != "" {
		fmt.Fprintf(&y, ", %s", *idleLimits)
	}
	fmt.Fprintf(&y, "}\nbalancers:\n  - name: big\n    stickysession: JSESSIONID\n    members:\n      - url: http://%s\n        route: real\n", mln.Addr())
	for i := 1; i < *idleMembers; i++ {
		fmt.Fprintf(&y, "      - url: http://10.255.%d.%d:8080\n        route: m%d\n", i/250, i%250+1, i)
	}
	y.WriteString("routes:\n  - path: /\n    balancer: big\n")
	b, err := startBalancer(bin, y.String())
	if err != nil {
		return err
	}
	defer b.stop()

	fmt.Printf("balancer %s, %d members, idle keep-alive client connections after one request each\n\n", bin, *idleMembers)
	fmt.Printf("| connections | RSS at once MiB | RSS after %s idle MiB | KiB per connection | Go heap in use MiB | Go stacks MiB | goroutines |\n", *idleWait)
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|")
	open := make([]net.Conn, 0, most)
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	var base int64
	for i, n := range steps {
		for len(open) < n {
			c, err := idleConn(b.addr, len(open))
			if err != nil {
				return fmt.Errorf("connection %d: %w", len(open), err)
			}
			open = append(open, c)
		}
		now := b.settledRSS(*idleSettle)
		time.Sleep(*idleWait)
		for range *idleGC {
			if err := b.save("/debug/pprof/heap?gc=1", os.DevNull); err != nil {
				return err
			}
		}
		rss := b.settledRSS(*idleSettle)
		if i == 0 {
			base = rss
		}
		m, err := b.metrics("go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_goroutines")
		if err != nil {
			return err
		}
		per := "–"
		if n > steps[0] {
			per = fmt.Sprintf("%.2f", float64(rss-base)/float64(n-steps[0]))
		}
		fmt.Printf("| %d | %.1f | %.1f | %s | %.1f | %.1f | %.0f |\n", n, float64(now)/1024, float64(rss)/1024, per,
			m["go_memstats_heap_inuse_bytes"]/(1<<20), m["go_memstats_stack_inuse_bytes"]/(1<<20), m["go_goroutines"])
	}
	if *idleHeap != "" {
		if err := b.save("/debug/pprof/heap", *idleHeap); err != nil {
			return err
		}
		fmt.Printf("\nheap profile: %s\n", *idleHeap)
	}
	return nil
}

// idleConn opens a connection to addr, has one sticky request answered on
// it and returns it open (idle, kept alive).
func idleConn(addr string, i int) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nCookie: JSESSIONID=s%d.real\r\n\r\n", i)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		c.Close()
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return c, nil
}
