package testutil

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Socket is one IPv4 TCP socket as /proc/net/tcp lists it.
type Socket struct {
	Local, Remote string // hex "0100007F:1F90", as the kernel writes them
	State         int    // 1 established, 10 listening (include/net/tcp_states.h)
	RxQueue       int64  // bytes received and not yet read by the process
}

// TCP states as /proc/net/tcp numbers them.
const (
	TCPEstablished = 1
	TCPListen      = 10
)

// Sockets lists the IPv4 TCP sockets whose local (remote=false) or remote
// (remote=true) port is addr's. Tests wait on these to see what the kernel
// sees: how many processes listen on a port shared with SO_REUSEPORT,
// whether a request's bytes are queued at a stopped peer, whether a member
// closed a pooled connection.
func Sockets(t testing.TB, addr string, remote bool) []Socket {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("Sockets(%q): %v", addr, err)
	}
	p, _ := strconv.Atoi(port)
	suffix := fmt.Sprintf(":%04X", p)
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Socket
	s := bufio.NewScanner(f)
	s.Scan() // the header line
	for s.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue ...
		fl := strings.Fields(s.Text())
		if len(fl) < 5 {
			continue
		}
		end := fl[1]
		if remote {
			end = fl[2]
		}
		if !strings.HasSuffix(end, suffix) {
			continue
		}
		st, _ := strconv.ParseInt(fl[3], 16, 32)
		_, rx, _ := strings.Cut(fl[4], ":")
		q, _ := strconv.ParseInt(rx, 16, 64)
		out = append(out, Socket{Local: fl[1], Remote: fl[2], State: int(st), RxQueue: q})
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
