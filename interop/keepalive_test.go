//go:build interop

package interop

import (
	"bytes"
	"fmt"
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
				if n == tc.apps[0].node(cs[0].last.Node) && connectionsTo(t, n.port) == 0 {
					t.Fatalf("the balancer holds no connection to %s after a request", n.name)
				}
			}
			testutil.Eventually(t, "the nodes closed every idle connection from the balancer", func() bool {
				for _, n := range tc.apps[0].nodes {
					if connectionsTo(t, n.port) > 0 {
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

// connectionsTo counts the established connections to 127.0.0.1:port:
// the balancer's connections to a node (the suite's own readiness checks
// do not keep theirs). A connection the node closed is in CLOSE_WAIT or
// gone, not established.
func connectionsTo(t testing.TB, port int) int {
	n := 0
	for _, s := range testutil.Sockets(t, fmt.Sprintf("127.0.0.1:%d", port), true) {
		if s.Remote == fmt.Sprintf("0100007F:%04X", port) && s.State == testutil.TCPEstablished {
			n++
		}
	}
	return n
}
