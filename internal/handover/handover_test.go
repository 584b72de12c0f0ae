package handover

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/internal/testutil"
)

// server answers with its name; /block waits until release is closed.
func server(name string, release <-chan struct{}, started chan<- struct{}) *fasthttp.Server {
	return &fasthttp.Server{
		CloseOnShutdown: true,
		Handler: func(ctx *fasthttp.RequestCtx) {
			if string(ctx.Path()) == "/block" {
				started <- struct{}{}
				<-release
			}
			ctx.SetBodyString(name)
		},
	}
}

// get sends one request on c and returns the body and whether the server
// asked to close the connection.
func get(t *testing.T, c net.Conn, br *bufio.Reader, path string) (string, bool) {
	t.Helper()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b), resp.Close
}

func TestSwapKeepsListenerAndFinishesInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var s Servers
	s.Swap(server("one", release, started))
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()

	busy, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyR := bufio.NewReader(busy)
	if body, _ := get(t, busy, busyR, "/"); body != "one" {
		t.Fatalf("first server answered %q", body)
	}
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idleR := bufio.NewReader(idle)
	if body, _ := get(t, idle, idleR, "/"); body != "one" {
		t.Fatalf("first server answered %q", body)
	}

	// A request in flight on the first server when the second takes over.
	type result struct {
		body  string
		close bool
	}
	inflight := make(chan result, 1)
	go func() {
		fmt.Fprint(busy, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(busyR, nil)
		if err != nil {
			inflight <- result{body: err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- result{string(b), resp.Close}
	}()
	testutil.Receive(t, started, "the request at the first server")
	s.Swap(server("two", nil, nil))

	// New connections reach the second server through the same listener.
	fresh, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if body, _ := get(t, fresh, bufio.NewReader(fresh), "/"); body != "two" {
		t.Fatalf("a connection accepted after Swap was served by %q", body)
	}
	// The idle keep-alive connection of the first server is closed.
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idleR.ReadByte(); err == nil {
		t.Fatal("the idle connection of the replaced server got bytes, not a close")
	}
	// The request in flight finishes on the first server, which then asks
	// the client to close.
	close(release)
	r := testutil.Receive(t, inflight, "the in-flight request's answer")
	if r.body != "one" || !r.close {
		t.Fatalf("in-flight request: body %q, close %v; want one, true", r.body, r.close)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("the listener still accepts after Shutdown")
	}
}

// TestClosingOneListenerKeepsTheOthers: a listener removed from service
// ends its own accept loop only.
func TestClosingOneListenerKeepsTheOthers(t *testing.T) {
	var s Servers
	s.Swap(server("one", nil, nil))
	defer s.Shutdown(context.Background())
	a, _ := net.Listen("tcp", "127.0.0.1:0")
	b, _ := net.Listen("tcp", "127.0.0.1:0")
	doneA := make(chan error, 1)
	go func() { doneA <- s.Serve(a) }()
	go s.Serve(b)
	held, err := net.Dial("tcp", a.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldR := bufio.NewReader(held)
	if body, _ := get(t, held, heldR, "/"); body != "one" {
		t.Fatalf("got %q", body)
	}
	a.Close()
	if err := <-doneA; err != nil {
		t.Fatalf("Serve of a closed listener: %v", err)
	}
	// The connection it accepted goes on being served.
	if body, _ := get(t, held, heldR, "/"); body != "one" {
		t.Fatalf("got %q", body)
	}
	c, err := net.Dial("tcp", b.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if body, _ := get(t, c, bufio.NewReader(c), "/"); body != "one" {
		t.Fatalf("got %q", body)
	}
}

// TestShutdownCutsRetiringServers: a replaced server whose request never
// ends does not hold Shutdown past its deadline.
func TestShutdownCutsRetiringServers(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{}, 1)
	var s Servers
	s.Swap(server("one", release, started))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
	testutil.Receive(t, started, "the request at the first server")
	s.Swap(server("two", nil, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Shutdown(ctx) }()
	var err2 error
	testutil.Eventually(t, "Shutdown returned after its deadline", func() bool {
		select {
		case err2 = <-done:
			return true
		default:
			return false
		}
	})
	if err2 == nil {
		t.Fatal("Shutdown with a request still in flight reported no error")
	}
}
