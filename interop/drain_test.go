//go:build interop

package interop

import (
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestDrain: a node drained through the manager API keeps its sessions'
// requests, by cookie and by URL, and takes no new session; it is "safe to
// stop" only once the last of its sessions has ended (the app logs it out
// and deletes its cookie), and from then on.
func TestDrain(t *testing.T) {
	dumpLogs(t)
	for _, a := range lab.apps {
		t.Run(a.name, func(t *testing.T) {
			usableMembers(t, a)
			// Sessions of both kinds on the node of the first one.
			var held []*client
			drained := ""
			for tries := 0; len(held) < 4; tries++ {
				if tries == 20 {
					t.Fatalf("20 new sessions gave only %d on one node", len(held))
				}
				c := newClient(a, []string{byCookie, byURL}[tries%2])
				if r := mustGet(t, c); drained == "" || r.Node == drained {
					drained = r.Node
					held = append(held, c)
				}
			}
			other := a.other(drained).route
			if err := setStatus(a.balancer, drained, "drain"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := setStatus(a.balancer, drained); err != nil {
					t.Errorf("undrain %s: %v", drained, err)
				}
			})
			for _, c := range held {
				if r := mustGet(t, c); r.Node != drained {
					t.Fatalf("a %s session of the draining %s was served by %s", c.mode, drained, r.Node)
				}
			}
			for range 4 {
				if r := mustGet(t, newClient(a, byCookie)); r.Node != other {
					t.Fatalf("a new session went to the draining %s", drained)
				}
			}

			// End every session on the drained node but one: these and
			// whatever earlier tests left there.
			last := held[0]
			clients.Lock()
			var ending []*client
			for _, c := range clients.all {
				if c.app == a && c != last && !c.gone && c.last.Node == drained {
					ending = append(ending, c)
				}
			}
			clients.Unlock()
			for _, c := range ending {
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
			if err := last.logout(); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, drained+" says safe to stop", func() bool {
				m, err := member(a.balancer, drained)
				return err == nil && m.SafeToStop && m.Sessions == 0
			}, testutil.Within(10*time.Second))
			t.Logf("%s safe to stop after its last %d sessions were logged out", drained, len(ending)+1)
		})
	}
}
