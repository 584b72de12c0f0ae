//go:build interop

package interop

import (
	"strings"
	"testing"
)

// mustGet asks for the counter and fails the test on any error.
func mustGet(t *testing.T, c *client) reply {
	t.Helper()
	r, err := c.get()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestStickySessions: the first request creates a session on one node,
// whose id carries the node's jvmRoute / workerName; every later request
// of the session, by cookie or by ;jsessionid= in the URL, reaches it.
func TestStickySessions(t *testing.T) {
	dumpLogs(t)
	for _, a := range lab.apps {
		for _, mode := range []string{byCookie, byURL} {
			t.Run(a.name+"/"+mode, func(t *testing.T) {
				c := newClient(a, mode)
				first := mustGet(t, c)
				if first.Count != 1 {
					t.Fatalf("a new session counts %d, want 1", first.Count)
				}
				suffix := "." + first.Node
				switch mode {
				case byCookie:
					if got := c.sessionCookie(); !strings.HasSuffix(got, suffix) {
						t.Fatalf("session cookie %q served by %s does not end in %q", got, first.Node, suffix)
					}
				case byURL:
					if !strings.Contains(c.link, ";jsessionid=") || !strings.HasSuffix(c.link, suffix) {
						t.Fatalf("link %q served by %s has no ;jsessionid= ending in %q", c.link, first.Node, suffix)
					}
				}
				for want := 2; want <= 6; want++ {
					r := mustGet(t, c)
					if r.Node != first.Node || r.Count != want {
						t.Fatalf("request %d: %s count %d, want %s count %d", want, r.Node, r.Count, first.Node, want)
					}
				}
			})
		}
	}
}
