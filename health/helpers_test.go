package health

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// event is one SetHealthy call.
type event struct {
	key     string
	healthy bool
	last    Result
}

// recorder is a Reporter and Recorder that remembers every call.
type recorder struct {
	mu      sync.Mutex
	events  []event
	records map[string]int
}

func (r *recorder) SetHealthy(key string, healthy bool, last Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{key, healthy, last})
}

func (r *recorder) RecordCheck(key string, _ Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.records == nil {
		r.records = map[string]int{}
	}
	r.records[key]++
}

// of returns the SetHealthy values reported for key, in order.
func (r *recorder) of(key string) []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bool
	for _, e := range r.events {
		if e.key == key {
			out = append(out, e.healthy)
		}
	}
	return out
}

func (r *recorder) recorded(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.records[key]
}

// quiet is a logger for tests that provoke logged panics.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// checks returns how many results target key has counted.
func checks(c *Checker, key string) int64 {
	st, _ := c.Status(key)
	return st.Checks
}

// rawServer serves every connection on 127.0.0.1 with fn after reading
// the request head; it stops when the test ends.
func rawServer(t *testing.T, fn func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				// Close the connection when the test ends, so a handler
				// that never answers does not outlive it.
				finished := make(chan struct{})
				defer close(finished)
				go func() {
					select {
					case <-done:
						c.Close()
					case <-finished:
					}
				}()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				fn(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// hang never answers: the connection stays open until the client or the
// end of the test closes it.
func hang(c net.Conn) { io.Copy(io.Discard, c) }

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// healthGoroutines counts goroutines running this package's Checker code.
func healthGoroutines() int {
	n, _ := healthStacks()
	return n
}

// healthStacks counts and returns the stacks of goroutines running this
// package's Checker code.
func healthStacks() (int, string) {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n, out := 0, ""
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "balancer/health.(*Checker)") {
			n++
			out += g + "\n\n"
		}
	}
	return n, out
}
