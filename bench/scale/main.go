// Command scale measures how the balancer's costs grow with what it
// serves. Each sweep starts a balancer binary and what it needs on
// 127.0.0.1 (free ports), measures, and stops everything it started:
//
//	go build -o /tmp/balancer ./cmd/balancer
//	go run ./bench/scale -balancer /tmp/balancer              # -sweep idle
//	go run ./bench/scale -balancer /tmp/balancer -sweep idle -conns 0,1000,10000
//	go run ./bench/scale -balancer /tmp/balancer -sweep members -before /tmp/balancer-old -haproxy
//
// Sweeps (one file each, and one case below):
//
//	idle     resident memory by idle keep-alive client connections (idle.go, its flags there)
//	members  throughput and CPU per request by member count (members.go)
package main

import (
	"flag"
	"log"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	mode := flag.String("sweep", "idle", "idle: RSS of idle client connections; members: throughput by member count")
	bin := flag.String("balancer", "/tmp/balancer", "balancer binary")
	// The members sweep.
	sizes := flag.String("sizes", "3,100,1000,10000", "members: the member counts")
	before := flag.String("before", "", "members: another balancer binary measured in the same rounds")
	member := flag.String("member", "/tmp/member", "members: the bench/member binary")
	duration := flag.Duration("duration", 5*time.Second, "members: each measurement")
	rounds := flag.Int("rounds", 3, "members: rounds, interleaved")
	haproxy := flag.Bool("haproxy", false, "members: HAProxy with as many servers, in the same rounds")
	method := flag.String("lbmethod", "byrequests", "members: the balancer's lbmethod (HAProxy: leastconn for bybusyness, roundrobin otherwise)")
	flag.Parse()
	raiseFileLimit()
	switch *mode {
	case "idle":
		if err := idleSweep(*bin); err != nil {
			log.Fatal(err)
		}
	case "members":
		s := sweep{bins: []string{*bin}, duration: *duration, rounds: *rounds, conns: 64, member: *member, lbmethod: *method}
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
	default:
		log.Fatalf("unknown sweep %q (idle, members)", *mode)
	}
}

// raiseFileLimit lifts the soft limit of open files to the hard one, for
// this process and the balancer it starts.
func raiseFileLimit() {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	lim.Cur = lim.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}
