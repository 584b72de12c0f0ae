// Command floor is the least a Go proxy can do per request: it relays
// each request of a keep-alive client to a member and the member's
// answer back, and nothing else (no route, no header, no choice: the
// client's connection is paired with one member's, round robin at
// accept). bench/syscalls/run.sh measures it beside the real proxies
// (PEERS="floor-net floor-epoll ..."), so that their CPU per request can
// be read against what the system calls alone cost a Go process.
//
//	-mode net    one goroutine per client connection over Go's net
//	             package, as the balancer (fasthttp) runs, yielding
//	             before it reads the answer as the balancer does
//	-mode epoll  one goroutine and one epoll set of its own for every
//	             socket, as HAProxy and nginx run one thread
//
// Both read a request up to its blank line (requests have no body) and
// an answer up to its Content-Length, the framing a relay must know to
// tell where one exchange ends.
package main

import (
	"bytes"
	"errors"
	"flag"
	"log"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:19080", "address")
	members := flag.String("members", "127.0.0.1:19101,127.0.0.1:19102,127.0.0.1:19103", "member addresses, comma separated")
	mode := flag.String("mode", "net", "net (a goroutine per connection) or epoll (one thread)")
	flag.Parse()
	r := &relay{members: strings.Split(*members, ",")}
	switch *mode {
	case "net":
		log.Fatal(r.serveNet(*listen))
	case "epoll":
		log.Fatal(r.serveEpoll(*listen))
	default:
		log.Fatalf("floor: -mode is net or epoll, not %q", *mode)
	}
}

// relay pairs each client connection with a new connection to the next
// member.
type relay struct {
	members []string
	next    atomic.Uint64
}

func (r *relay) member() string {
	return r.members[(r.next.Add(1)-1)%uint64(len(r.members))]
}

// bufSize holds any request and answer of the benchmark's load.
const bufSize = 16 << 10

// headEnd returns the length of the head in b (through its blank line),
// or -1 while it is incomplete.
func headEnd(b []byte) int {
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		return -1
	}
	return i + 4
}

// answerLen returns the length of the answer at the start of b (head and
// Content-Length body), or -1 while it is incomplete.
func answerLen(b []byte) int {
	h := headEnd(b)
	if h < 0 {
		return -1
	}
	n := 0
	for head := b[:h]; len(head) > 0; {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		const cl = "content-length:"
		if len(line) > len(cl) && bytes.EqualFold(line[:len(cl)], []byte(cl)) {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(line[len(cl):])))
		}
	}
	if len(b) < h+n {
		return -1
	}
	return h + n
}

// serveNet relays with Go's net package: a goroutine per client, which
// reads a request, writes it to its member, reads the answer and writes
// it back.
func (r *relay) serveNet(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go r.pairNet(c)
	}
}

func (r *relay) pairNet(c net.Conn) {
	defer c.Close()
	m, err := net.Dial("tcp", r.member())
	if err != nil {
		return
	}
	defer m.Close()
	buf := make([]byte, bufSize)
	for {
		n, err := readWhole(c, buf, headEnd)
		if err != nil {
			return
		}
		if _, err := m.Write(buf[:n]); err != nil {
			return
		}
		// As the balancer does (proxy/client.go): the answer is rarely
		// there yet, and a read that finds nothing costs a system call.
		runtime.Gosched()
		if n, err = readWhole(m, buf, answerLen); err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

// readWhole reads from c into buf until whole (headEnd or answerLen)
// finds a message, and returns the bytes read.
func readWhole(c net.Conn, buf []byte, whole func([]byte) int) (int, error) {
	n := 0
	for whole(buf[:n]) < 0 {
		if n == len(buf) {
			return n, errors.New("floor: message larger than the buffer")
		}
		k, err := c.Read(buf[n:])
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}
