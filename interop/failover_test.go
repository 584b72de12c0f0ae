//go:build interop

package interop

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestKillNodeUnderLoad: sessions on a node keep being used by their
// clients while the node is killed with -9; every GET is answered (the
// balancer resends what the dead node could not answer), each session
// continues on the other node with its data (its count goes on), the
// sessions of the other node are untouched, and once the killed node is
// back and takes new sessions again, the moved sessions stay where they
// are now — by their re-issued cookie (Jetty, Tomcat with
// JvmRouteBinderValve) or without one (plain Tomcat, whose cookie still
// names the killed node).
func TestKillNodeUnderLoad(t *testing.T) {
	dumpLogs(t)
	for _, tc := range []struct {
		name string
		apps []*app
	}{
		{"tomcat", lab.tomcatApps},
		{"jetty", lab.jettyApps},
	} {
		t.Run(tc.name, func(t *testing.T) { killUnderLoad(t, tc.apps) })
	}
}

// loadClient is a client that asks for its counter in a loop, and what it
// saw.
type loadClient struct {
	*client
	before  string // node before the kill
	replies []reply
	errs    []error
	ok      atomic.Int64 // successful replies so far
	okAfter atomic.Int64 // successful replies from the other node after the kill
}

// perGroup is how many sessions of each app and mode the victim node
// holds during the kill, beside those of the other node.
const perGroup = 3

func killUnderLoad(t *testing.T, apps []*app) {
	nodes := apps[0].nodes
	// Sessions of every app and mode, until each has perGroup on either
	// node; the victim is the node of the very first session.
	var victim string
	var load []*loadClient
	for _, a := range apps {
		for _, mode := range []string{byCookie, byURL} {
			count := map[string]int{}
			for tries := 0; count[nodes[0].route] < perGroup || count[nodes[1].route] < perGroup; tries++ {
				if tries == 20 {
					t.Fatalf("%s/%s: 20 new sessions did not give %d on each node: %v", a.name, mode, perGroup, count)
				}
				c := newClient(a, mode)
				r := mustGet(t, c)
				if victim == "" {
					victim = r.Node
				}
				if count[r.Node] < perGroup {
					load = append(load, &loadClient{client: c, before: r.Node})
				}
				count[r.Node]++
			}
		}
	}
	dead := apps[0].node(victim)
	survivor := apps[0].other(victim).route

	// Every client asks, waits for the answer, and asks again after 40ms.
	stop := make(chan struct{})
	var killed atomic.Bool
	var wg sync.WaitGroup
	for _, lc := range load {
		wg.Go(func() {
			tick := time.NewTicker(40 * time.Millisecond)
			defer tick.Stop()
			for {
				r, err := lc.get()
				if err != nil {
					lc.errs = append(lc.errs, err)
				} else {
					lc.replies = append(lc.replies, r)
					lc.ok.Add(1)
					if killed.Load() && r.Node == survivor {
						lc.okAfter.Add(1)
					}
				}
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		})
	}
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad()
	testutil.Eventually(t, "every client has 3 answers before the kill", func() bool {
		for _, lc := range load {
			if lc.ok.Load() < 3 {
				return false
			}
		}
		return true
	}, testutil.Within(30*time.Second))
	killed.Store(true)
	killedAt := time.Now()
	dead.Kill()
	t.Logf("killed %s with -9 under load from %d sessions", dead.name, len(load))
	testutil.Eventually(t, "every session of the killed node answered 5 times by "+survivor, func() bool {
		for _, lc := range load {
			if lc.before == victim && lc.okAfter.Load() < 5 {
				return false
			}
		}
		return true
	}, testutil.Within(60*time.Second))
	stopLoad()

	var requests, errs int
	var worst time.Duration
	for _, lc := range load {
		requests += len(lc.replies) + len(lc.errs)
		errs += len(lc.errs)
		for i, err := range lc.errs {
			if i < 3 {
				t.Errorf("%s/%s (on %s): %v", lc.app.name, lc.mode, lc.before, err)
			}
		}
		if err := lc.check(victim, survivor); err != nil {
			t.Errorf("%s/%s (on %s): %v", lc.app.name, lc.mode, lc.before, err)
		}
		if lc.before == victim {
			worst = max(worst, lc.failoverTime(killedAt, survivor))
		}
	}
	t.Logf("%d GETs during the kill, %d client-visible errors; failover time (last answer from %s to first from %s), worst session: %s",
		requests, errs, victim, survivor, worst.Round(time.Millisecond))
	if t.Failed() {
		t.FailNow()
	}

	// The killed node comes back; once it takes new sessions again, the
	// moved sessions must still be served by the survivor.
	if err := dead.Start(); err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		testutil.Eventually(t, a.name+": a new session lands on the restarted "+victim, func() bool {
			r, err := newClient(a, byCookie).get()
			return err == nil && r.Node == victim
		}, testutil.Within(30*time.Second))
	}
	for _, lc := range load {
		if lc.before != victim {
			continue
		}
		held := lc.last.Count
		for i := 1; i <= 3; i++ {
			r, err := lc.get()
			if err != nil {
				t.Fatalf("%s/%s after %s came back: %v", lc.app.name, lc.mode, victim, err)
			}
			if r.Node != survivor || r.Count != held+i {
				t.Fatalf("%s/%s after %s came back: %s count %d, want %s count %d (a stale fail-back)",
					lc.app.name, lc.mode, victim, r.Node, r.Count, survivor, held+i)
			}
		}
		// The route the client sends now: re-issued, or still the dead
		// node's, which only the balancer's memory of the move overrides.
		sent := lc.sessionCookie()
		if lc.mode == byURL {
			sent = lc.link
		}
		want := "." + victim
		if lc.app.reissues {
			want = "." + survivor
		}
		if !strings.HasSuffix(sent, want) {
			t.Errorf("%s/%s: the client now sends %q, want a route %q", lc.app.name, lc.mode, sent, want)
		}
	}
}

// check verifies a client's history: counts only ever go up (a retried GET
// the dead node had already counted may skip one), nothing was lost, and
// the session stayed on its node, or moved once to the survivor if its
// node was the victim.
func (lc *loadClient) check(victim, survivor string) error {
	moved := false
	for i, r := range lc.replies {
		if i > 0 && r.Count <= lc.replies[i-1].Count {
			return fmt.Errorf("count went from %d to %d (%s to %s): session data lost",
				lc.replies[i-1].Count, r.Count, lc.replies[i-1].Node, r.Node)
		}
		switch {
		case r.Node == lc.before && !moved:
		case lc.before == victim && r.Node == survivor:
			moved = true
		default:
			return fmt.Errorf("answer %d came from %s", i+1, r.Node)
		}
	}
	if lc.before == victim && !moved {
		return fmt.Errorf("never served by %s", survivor)
	}
	return nil
}

// failoverTime is the gap between the last answer from the killed node and
// the first from the survivor.
func (lc *loadClient) failoverTime(killedAt time.Time, survivor string) time.Duration {
	last := killedAt
	for _, r := range lc.replies {
		if r.Node == survivor {
			return r.at.Sub(last)
		}
		last = r.at
	}
	return 0
}
