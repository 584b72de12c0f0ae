//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestPostAfterMemberIdleTimeout: the balancer keeps idle connections to
// each node; the node closes them after its keep-alive idle timeout
// (Tomcat's keepAliveTimeout, Jetty's idleTimeout: 2s here). A POST that
// comes after that must still be answered, although a POST is never
// resent once it may have reached a node.
func TestPostAfterMemberIdleTimeout(t *testing.T) {
	dumpLogs(t)
	for _, tc := range []struct {
		name string
		apps []*app
	}{
		{"tomcat", lab.tomcatApps},
		{"jetty", lab.jettyApps},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var cs []*client
			for _, a := range tc.apps {
				for _, mode := range []string{byCookie, byURL} {
					c := newClient(a, mode)
					mustGet(t, c)
					cs = append(cs, c)
				}
			}
			for _, n := range tc.apps[0].nodes {
				if open, err := connectionsTo(n.port); err != nil {
					t.Fatal(err)
				} else if n == tc.apps[0].node(cs[0].last.Node) && open == 0 {
					t.Fatalf("the balancer holds no connection to %s after a request", n.name)
				}
			}
			testutil.Eventually(t, "the nodes closed every idle connection from the balancer", func() bool {
				for _, n := range tc.apps[0].nodes {
					if open, err := connectionsTo(n.port); err != nil || open > 0 {
						return false
					}
				}
				return true
			}, testutil.Within(30*time.Second))
			body := bytes.Repeat([]byte("x"), 4096)
			for _, c := range cs {
				before := c.last
				r, err := c.post(body)
				if err != nil {
					t.Errorf("%s/%s: POST after the idle timeout: %v", c.app.name, c.mode, err)
					continue
				}
				if r.Node != before.Node || r.Count != before.Count+1 || r.Posted != int64(len(body)) {
					t.Errorf("%s/%s: POST answered by %s, count %d, posted %d; want %s, %d, %d",
						c.app.name, c.mode, r.Node, r.Count, r.Posted, before.Node, before.Count+1, len(body))
				}
			}
		})
	}
}

// connectionsTo counts the established IPv4 connections whose remote end
// is 127.0.0.1:port — the balancer's connections to a node (the suite's
// own readiness checks do not keep theirs). A connection the node closed
// is in CLOSE_WAIT or gone, not established.
func connectionsTo(port int) (int, error) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	want := fmt.Sprintf("0100007F:%04X", port)
	n := 0
	s := bufio.NewScanner(f)
	for s.Scan() {
		// sl local_address rem_address st ...
		fields := strings.Fields(s.Text())
		if len(fields) < 4 || fields[2] != want {
			continue
		}
		if st, err := strconv.ParseUint(fields[3], 16, 8); err == nil && st == 1 { // TCP_ESTABLISHED
			n++
		}
	}
	return n, s.Err()
}
