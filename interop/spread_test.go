//go:build interop

package interop

import (
	"slices"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestNewSessionsSpread: sessions without a route are spread by the
// lbmethod, choice by choice as httpd's byrequests makes them from the
// members' current lbstatus (read from the manager API; earlier tests
// leave it uneven), for as many new sessions as it takes to give each
// node at least three.
func TestNewSessionsSpread(t *testing.T) {
	dumpLogs(t)
	for _, a := range lab.apps {
		t.Run(a.name, func(t *testing.T) {
			status := usableMembers(t, a)
			var want, got []string
			for per := map[string]int{}; per[a.nodes[0].route] < 3 || per[a.nodes[1].route] < 3; {
				if len(want) == 300 {
					t.Fatalf("byrequests from lbstatus %v does not reach both nodes in 300 choices", usableMembers(t, a))
				}
				// byrequests: every candidate gains its factor (loadfactor 1
				// is 100), the highest wins, first in file order on ties, and
				// the winner loses the sum of the factors.
				best := 0
				for i := range status {
					status[i] += 100
					if status[i] > status[best] {
						best = i
					}
				}
				status[best] -= 100 * int64(len(status))
				want = append(want, a.nodes[best].route)
				per[a.nodes[best].route]++
				got = append(got, mustGet(t, newClient(a, byCookie)).Node)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("new sessions went to\n  %v\nbyrequests from the members' lbstatus chooses\n  %v", got, want)
			}
			t.Logf("%d new sessions: %v", len(got), got)
		})
	}
}

// usableMembers waits until every member of a is usable and returns their
// lbstatus, in configuration order.
func usableMembers(t *testing.T, a *app) []int64 {
	t.Helper()
	var status []int64
	testutil.Eventually(t, "every member of "+a.balancer+" usable", func() bool {
		status = status[:0]
		for _, n := range a.nodes {
			m, err := member(a.balancer, n.route)
			if err != nil || !m.Usable {
				return false
			}
			status = append(status, m.LBStatus)
		}
		return true
	}, testutil.Within(30*time.Second))
	return status
}
