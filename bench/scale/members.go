package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sweep is one member-count sweep: each binary with each member count,
// interleaved within each round.
type sweep struct {
	bins     []string // the balancer binaries compared ("after" first), or "haproxy"
	sizes    []int    // member counts
	duration time.Duration
	rounds   int
	conns    int
	member   string // the member binary (bench/member)
	lbmethod string // the balancer's
}

// cell is one binary at one member count.
type cell struct{ rps, cpu []float64 }

// membersSweep measures requests without a session (the lbmethod chooses)
// through a balancer with each member count: requests/s and the
// balancer's CPU per request, with wrk keeping conns keep-alive
// connections. Every member is real: the URLs differ by path
// (http://127.0.0.1:P/m<i>, i in five digits) and one bench/member process answers them
// all, so each member keeps its own connection pool as in production.
// The balancer runs on core 0, wrk and the member on core 1.
func membersSweep(s sweep) {
	need("wrk")
	need("taskset")
	dir, err := os.MkdirTemp("", "scale-members")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	mport := freePort()
	member := exec.Command("taskset", "-c", "1", s.member, "-listen", fmt.Sprintf("127.0.0.1:%d", mport), "-route", "m")
	member.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := member.Start(); err != nil {
		log.Fatalf("member: %v", err)
	}
	defer syscall.Kill(-member.Process.Pid, syscall.SIGKILL)
	waitListen(mport)

	cells := map[string]*cell{}
	for r := 1; r <= s.rounds; r++ {
		for _, n := range s.sizes {
			for _, bin := range s.bins {
				rps, cpu, conns := s.measure(dir, bin, n, mport)
				k := fmt.Sprint(bin, n)
				if cells[k] == nil {
					cells[k] = &cell{}
				}
				cells[k].rps = append(cells[k].rps, rps)
				cells[k].cpu = append(cells[k].cpu, cpu)
				fmt.Fprintf(os.Stderr, "round %d: %s, %d members: %.0f requests/s, %.2f µs CPU/request, %d member connections\n", r, filepath.Base(bin), n, rps, cpu, conns)
			}
		}
	}
	fmt.Printf("\nRequests without a session, %s, %d keep-alive connections, %v per measurement, median of %d rounds:\n\n", s.lbmethod, s.conns, s.duration, s.rounds)
	fmt.Printf("| balancer | members | requests/s | ÷ %d members | CPU µs/request |\n|---|---:|---:|---:|---:|\n", s.sizes[0])
	for _, bin := range s.bins {
		base := median(cells[fmt.Sprint(bin, s.sizes[0])].rps)
		for _, n := range s.sizes {
			c := cells[fmt.Sprint(bin, n)]
			fmt.Printf("| %s | %d | %.0f | ×%.2f | %.2f |\n", filepath.Base(bin), n, median(c.rps), median(c.rps)/base, median(c.cpu))
		}
	}
}

// measure starts bin with n members, warms it up (every member's pool gets
// its connection), and runs wrk once; it returns requests/s and the
// balancer's CPU µs per request, and the member connections it had.
func (s sweep) measure(dir, bin string, n, mport int) (rps, cpuPerReq float64, conns int) {
	port := freePort()
	var cmd *exec.Cmd
	if bin == "haproxy" {
		cfg := filepath.Join(dir, "haproxy.cfg")
		writeFile(cfg, haproxyConfig(port, mport, n, s.lbmethod))
		cmd = exec.Command("taskset", "-c", "0", "haproxy", "-db", "-f", cfg)
	} else {
		cfg := filepath.Join(dir, "members.yaml")
		writeFile(cfg, balancerConfig(port, freePort(), mport, n, s.lbmethod))
		cmd = exec.Command("taskset", "-c", "0", bin, "-config", cfg, "-log-level", "error")
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	waitListen(port)
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	// Warm up until the member connections stop growing: the
	// measurement is of choosing and forwarding, not of connecting.
	// Every member has one by then (HAProxy keeps fewer); bytraffic,
	// which evens out bytes, not requests, may open more.
	for try, prev := 0, -1; try < 15; try++ {
		wrk(s.conns, 2*time.Second, url)
		c := connsTo(mport)
		if c <= prev {
			break
		}
		prev = c
	}
	pid := cmd.Process.Pid // taskset execs the balancer
	before := cpuTicks(pid)
	rps, total := wrk(s.conns, s.duration, url)
	ticks := cpuTicks(pid) - before
	conns = connsTo(mport)
	if total == 0 {
		log.Fatalf("%s with %d members: no request answered", bin, n)
	}
	return rps, float64(ticks) * 1e6 / 100 / float64(total), conns // USER_HZ 100
}

// balancerConfig has n members, one URL path each on the member at mport.
func balancerConfig(port, mgr, mport, n int, method string) string {
	var y strings.Builder
	fmt.Fprintf(&y, "listen: 127.0.0.1:%d\nmanager:\n  listen: 127.0.0.1:%d\nbalancers:\n  - name: big\n    lbmethod: %s\n    members:\n", port, mgr, method)
	for i := range n {
		// Paths of one length: bytraffic sees the same bytes per
		// request from every member, at every member count.
		fmt.Fprintf(&y, "      - url: http://127.0.0.1:%d/m%05d\n", mport, i)
	}
	y.WriteString("routes:\n  - path: /\n    balancer: big\n")
	return y.String()
}

// haproxyConfig is HAProxy's closest equivalent: n servers (all the
// member at mport: HAProxy has no per-server path), roundrobin (leastconn
// for bybusyness; HAProxy has nothing like bytraffic), one thread,
// connections kept for reuse (http-reuse always) for 60 s and up to 95 %%
// of its file descriptors.
func haproxyConfig(port, mport, n int, method string) string {
	balance := "roundrobin"
	if method == "bybusyness" {
		balance = "leastconn"
	}
	var y strings.Builder
	fmt.Fprintf(&y, `global
  nbthread 1
  maxconn 2000
  tune.pool-high-fd-ratio 95
  tune.pool-low-fd-ratio 90
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend f
  bind 127.0.0.1:%d
  default_backend b
backend b
  balance %s
  default-server pool-purge-delay 60s
`, port, balance)
	for i := range n {
		fmt.Fprintf(&y, "  server m%d 127.0.0.1:%d\n", i, mport)
	}
	return y.String()
}

func writeFile(name, content string) {
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		log.Fatal(err)
	}
}

// connsTo counts the established connections to 127.0.0.1:port
// (/proc/net/tcp: state 01, remote port in hex).
func connsTo(port int) int {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		log.Fatal(err)
	}
	suffix := fmt.Sprintf(":%04X", port)
	n := 0
	for _, l := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(l)
		if len(f) > 3 && f[3] == "01" && strings.HasSuffix(f[2], suffix) {
			n++
		}
	}
	return n
}

// wrk runs wrk on core 1 and returns requests/s and the requests made.
func wrk(conns int, d time.Duration, url string) (rps float64, total int64) {
	out, err := exec.Command("taskset", "-c", "1", "wrk", "-t1", fmt.Sprintf("-c%d", conns),
		fmt.Sprintf("-d%ds", int(d.Round(time.Second)/time.Second)), "--timeout", "5s", url).CombinedOutput()
	if err != nil {
		log.Fatalf("wrk: %v\n%s", err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && f[0] == "Requests/sec:":
			rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) >= 2 && f[1] == "requests":
			total, _ = strconv.ParseInt(f[0], 10, 64)
		case len(f) >= 4 && f[0] == "Non-2xx":
			log.Fatalf("wrk: %s", sc.Text())
		}
	}
	return rps, total
}

// cpuTicks is utime+stime of pid in clock ticks.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		log.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitListen waits until something accepts on 127.0.0.1:port.
func waitListen(port int) {
	for range 500 {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	log.Fatalf("nothing listens on 127.0.0.1:%d", port)
}

func need(bin string) {
	if _, err := exec.LookPath(bin); err != nil {
		log.Fatalf("%s is needed (bench/run.sh installs it)", bin)
	}
}
