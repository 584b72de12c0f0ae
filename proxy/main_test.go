package proxy

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestMain doubles as a member process for failover tests: started with
// PROXY_TEST_MEMBER=<route> it serves as that member until killed, so tests
// can kill -9 or SIGSTOP a real process.
func TestMain(m *testing.M) {
	if route := os.Getenv("PROXY_TEST_MEMBER"); route != "" {
		runMemberProcess(route, os.Getenv("PROXY_TEST_ADDR"))
		return
	}
	os.Exit(m.Run())
}

// runMemberProcess answers every request after 20 ms with its route.
func runMemberProcess(route, addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		w.Header().Set("X-Route", route)
		fmt.Fprintf(w, "route=%s\n", route)
	}))
}
