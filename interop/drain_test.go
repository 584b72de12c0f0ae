//go:build interop

package interop

import (
	"testing"
	"time"
)

// TestDrain: a node drained through the manager API keeps its sessions'
// requests and takes no new session; it is "safe to stop" only once the
// last of its sessions has ended (the app logs it out and deletes its
// cookie), and from then on.
func TestDrain(t *testing.T) {
	dumpLogs(t)
	for _, a := range lab.apps {
		t.Run(a.name, func(t *testing.T) {
			usableMembers(t, a)
			kept := newClient(a, byCookie)
			drained := mustGet(t, kept).Node
			other := a.other(drained).route
			if err := setStatus(a.balancer, drained, "drain"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := setStatus(a.balancer, drained); err != nil {
					t.Errorf("undrain %s: %v", drained, err)
				}
			})
			for range 3 {
				if r := mustGet(t, kept); r.Node != drained {
					t.Fatalf("a session of the draining %s was served by %s", drained, r.Node)
				}
			}
			for range 4 {
				if r := mustGet(t, newClient(a, byCookie)); r.Node != other {
					t.Fatalf("a new session went to the draining %s", drained)
				}
			}

			// End every other session the suite left on the drained node.
			clients.Lock()
			var left []*client
			for _, c := range clients.all {
				if c.app == a && c != kept && !c.gone && c.last.Node == drained {
					left = append(left, c)
				}
			}
			clients.Unlock()
			for _, c := range left {
				if err := c.logout(); err != nil {
					t.Fatal(err)
				}
			}
			m, err := member(a.balancer, drained)
			if err != nil {
				t.Fatal(err)
			}
			if m.Sessions != 1 || m.SafeToStop {
				t.Fatalf("with one session left, %s holds %d sessions, safetostop %v; want 1, false", drained, m.Sessions, m.SafeToStop)
			}
			if err := kept.logout(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, drained+" says safe to stop", func() bool {
				m, err := member(a.balancer, drained)
				return err == nil && m.SafeToStop && m.Sessions == 0
			})
			t.Logf("%s safe to stop after %d sessions ended", drained, len(left)+1)
		})
	}
}
