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
		runMemberProcess(route)
		return
	}
	os.Exit(m.Run())
}

// memberWork is how long the member process works on each request: its
// service time, which keeps requests in flight at it when a test kills or
// stops it. It is the member's behaviour, not a wait of the test's.
const memberWork = 20 * time.Millisecond

// runMemberProcess listens on 127.0.0.1:0, writes "listening <addr>" to
// stdout once it accepts connections, and answers every request after
// memberWork with its route.
func runMemberProcess(route string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(memberWork)
		w.Header().Set("X-Route", route)
		fmt.Fprintf(w, "route=%s\n", route)
	}))
}
