package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestSlowlorisAndConnectionLimit: a client that never finishes its
// request head is cut after readheadertimeout, and connections over
// maxconns get a clear refusal while the others are served.
func TestSlowlorisAndConnectionLimit(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	yml := `
limits:
  readheadertimeout: 300ms
  maxconns: 3
balancers:
  - name: c
    members:
      - url: {{m0}}
routes:
  - path: /
    balancer: c
`
	_, base := startProxy(t, yml, m)
	addr := strings.TrimPrefix(base, "http://")

	// Slowloris: one header byte at a time, never the end of the head.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n")
	start := time.Now()
	cut := false
	for i := 0; i < 40; i++ {
		if _, err := fmt.Fprint(c, "X-Slow: a\r\n"); err != nil {
			cut = true
			break
		}
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		// An answer (408) or a closed connection both end the attack.
		if n, err := c.Read(make([]byte, 1)); n > 0 || (err != nil && !isTimeoutErr(err)) {
			cut = true
			break
		}
	}
	if !cut {
		t.Fatal("a request head dribbled for 4s was never cut")
	}
	t.Logf("slow client cut after %v", time.Since(start).Round(10*time.Millisecond))

	// Connection limit: three idle keep-alive connections fill it (the
	// server may still count the cut slow connection for a moment).
	c.Close()
	for i := 0; i < 3; i++ {
		testutil.Eventually(t, fmt.Sprintf("connection %d served", i), func() bool {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(2 * time.Second))
			fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil || resp.StatusCode != 200 {
				c.Close()
				return false
			}
			t.Cleanup(func() { c.Close() }) // held open: it fills the limit
			return true
		})
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	fmt.Fprint(extra, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	extra.SetReadDeadline(time.Now().Add(2 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(extra), nil)
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("connection over maxconns: %v %v", resp, err)
	}
}

func isTimeoutErr(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
