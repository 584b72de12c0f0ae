// Command syscalls is the load of bench/syscalls/run.sh: it sends exactly
// -n HTTP/1.1 requests to a proxy over -c connections, one request in
// flight on each, as wrk does with bench/wrk/sticky.lua (the JSESSIONID of
// one of 5,000 sessions, each naming one of three routes) or
// bench/wrk/nocookie.lua (no cookie), keeping connections alive or opening
// one per request (-close). A fixed count, unlike wrk's fixed duration,
// lets the proxy's system calls be divided by the requests it served.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:19080", "the proxy's address")
	n := flag.Int64("n", 100000, "requests to send")
	c := flag.Int("c", 64, "connections, one request in flight on each")
	scen := flag.String("scenario", "sticky", "sticky (a session cookie) or nocookie")
	closeConn := flag.Bool("close", false, "a new connection per request (Connection: close)")
	flag.Parse()
	if *scen != "sticky" && *scen != "nocookie" {
		fmt.Fprintln(os.Stderr, "syscalls: -scenario is sticky or nocookie")
		os.Exit(2)
	}
	l := &load{addr: *addr, n: *n, sticky: *scen == "sticky", close: *closeConn}
	start := time.Now()
	var wg sync.WaitGroup
	for range *c {
		wg.Go(l.run)
	}
	wg.Wait()
	d := time.Since(start)
	fmt.Printf("requests=%d errors=%d seconds=%.3f\n", l.done.Load(), l.errors.Load(), d.Seconds())
	if l.errors.Load() > 0 {
		fmt.Fprintln(os.Stderr, "syscalls: first error:", l.firstErr.Load())
		os.Exit(1)
	}
}

// load is one run: its requests are numbered from 0 to n-1, each taken by
// whichever connection is free.
type load struct {
	addr     string
	n        int64
	sticky   bool
	close    bool
	next     atomic.Int64
	done     atomic.Int64
	errors   atomic.Int64
	firstErr atomic.Value
}

// run sends requests on one connection until all are taken.
func (l *load) run() {
	var (
		conn net.Conn
		br   *bufio.Reader
		req  []byte
	)
	for {
		i := l.next.Add(1) - 1
		if i >= l.n {
			break
		}
		if conn == nil {
			var err error
			if conn, err = net.Dial("tcp", l.addr); err != nil {
				l.fail(err)
				continue
			}
			if br == nil {
				br = bufio.NewReaderSize(conn, 16<<10)
			} else {
				br.Reset(conn)
			}
		}
		req = l.request(req[:0], i)
		keep, err := exchange(conn, br, req)
		if err != nil {
			l.fail(err)
		} else {
			l.done.Add(1)
		}
		if err != nil || !keep || l.close {
			_ = conn.Close()
			conn = nil
		}
	}
	if conn != nil {
		_ = conn.Close()
	}
}

func (l *load) fail(err error) {
	l.errors.Add(1)
	l.firstErr.CompareAndSwap(nil, err.Error())
}

// request appends request i: session i mod 5,000 of route
// node(session mod 3 + 1), as bench/wrk/sticky.lua numbers them.
func (l *load) request(b []byte, i int64) []byte {
	b = append(b, "GET /app/page HTTP/1.1\r\nHost: "...)
	b = append(b, l.addr...)
	b = append(b, "\r\n"...)
	if l.sticky {
		sid := (i + 1) % 5000
		b = append(b, "Cookie: JSESSIONID=s"...)
		b = strconv.AppendInt(b, sid, 10)
		b = append(b, ".node"...)
		b = strconv.AppendInt(b, sid%3+1, 10)
		b = append(b, "\r\n"...)
	}
	if l.close {
		b = append(b, "Connection: close\r\n"...)
	}
	return append(b, "\r\n"...)
}

// exchange writes req and reads a 200 response with a Content-Length
// body; keep reports whether the connection may carry another request.
func exchange(conn net.Conn, br *bufio.Reader, req []byte) (keep bool, err error) {
	if _, err = conn.Write(req); err != nil {
		return false, err
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return false, err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return false, fmt.Errorf("status line %q", bytes.TrimSpace(line))
	}
	cl, keep := int64(-1), true
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return false, err
		}
		h := bytes.TrimSpace(line)
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if cl, err = strconv.ParseInt(string(value), 10, 64); err != nil {
				return false, err
			}
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			keep = false
		}
	}
	if cl < 0 {
		return false, errors.New("response without Content-Length")
	}
	_, err = br.Discard(int(cl))
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return keep, err
}
