// Command scale measures the balancer's resident memory with 1,000
// members in one balancer and 10,000 idle keep-alive client connections,
// and reports the cost per connection. 127.0.0.1 only; it starts and stops
// everything itself:
//
//	go build -o /tmp/balancer ./cmd/balancer && go run ./bench/scale -balancer /tmp/balancer
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("balancer", "/tmp/balancer", "balancer binary")
	members := flag.Int("members", 1000, "members in the balancer")
	conns := flag.Int("conns", 10000, "idle keep-alive client connections")
	mode := flag.String("sweep", "idle", "idle: RSS of idle client connections; members: throughput by member count")
	sizes := flag.String("sizes", "3,100,1000,10000", "members: the member counts")
	before := flag.String("before", "", "members: another balancer binary measured in the same rounds")
	member := flag.String("member", "/tmp/member", "members: the bench/member binary")
	duration := flag.Duration("duration", 5*time.Second, "members: each measurement")
	rounds := flag.Int("rounds", 3, "members: rounds, interleaved")
	haproxy := flag.Bool("haproxy", false, "members: HAProxy with as many servers, in the same rounds")
	flag.Parse()
	if *mode == "members" {
		s := sweep{bins: []string{*bin}, duration: *duration, rounds: *rounds, conns: 64, member: *member}
		if *before != "" {
			s.bins = append(s.bins, *before)
		}
		if *haproxy {
			s.bins = append(s.bins, "haproxy")
		}
		for _, f := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(f)
			if err != nil {
				log.Fatalf("-sizes: %v", err)
			}
			s.sizes = append(s.sizes, n)
		}
		membersSweep(s)
		return
	}
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)

	// One real member answers; the others exist only in the configuration.
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(mln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	dir, _ := os.MkdirTemp("", "scale")
	defer os.RemoveAll(dir)
	var y strings.Builder
	fmt.Fprintf(&y, "listen: 127.0.0.1:19280\nmanager:\n  listen: 127.0.0.1:19281\nlimits:\n  maxconns: %d\n  idletimeout: 10m\nbalancers:\n  - name: big\n    stickysession: JSESSIONID\n    members:\n      - url: http://%s\n        route: real\n", *conns+100, mln.Addr())
	for i := 1; i < *members; i++ {
		fmt.Fprintf(&y, "      - url: http://10.255.%d.%d:8080\n        route: m%d\n", i/250, i%250+1, i)
	}
	y.WriteString("routes:\n  - path: /\n    balancer: big\n")
	cfg := dir + "/big.yaml"
	os.WriteFile(cfg, []byte(y.String()), 0o644)
	cmd := exec.Command(*bin, "-config", cfg, "-log-level", "error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer cmd.Process.Kill()
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:19280"); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	pid := cmd.Process.Pid
	time.Sleep(500 * time.Millisecond)
	base := rss(pid)
	fmt.Printf("balancer with %d members, no client connection: RSS %.1f MiB\n", *members, float64(base)/1024)
	open := make([]net.Conn, 0, *conns)
	for i := 0; i < *conns; i++ {
		c, err := net.Dial("tcp", "127.0.0.1:19280")
		if err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\nCookie: JSESSIONID=s%d.real\r\n\r\n", i)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			log.Fatalf("request on connection %d: %v", i, err)
		}
		resp.Body.Close()
		open = append(open, c)
	}
	time.Sleep(2 * time.Second)
	after := rss(pid)
	fmt.Printf("with %d idle keep-alive connections: RSS %.1f MiB, %.1f KiB per connection\n",
		len(open), float64(after)/1024, float64(after-base)/float64(len(open)))
	for _, c := range open {
		c.Close()
	}
}

// rss reads VmRSS (kB).
func rss(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}
