package proxy

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"balancer/internal/testutil"
)

// pruneYAML has the member "base", and the member m<i> (another URL on the
// same server) unless i < 0; extra adds a second balancer.
func pruneYAML(url string, i int, extra bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "balancers:\n  - name: c\n    stickysession: JSESSIONID\n    members:\n      - url: %s\n        route: base\n", url)
	if i >= 0 {
		fmt.Fprintf(&b, "      - url: %s/m%d\n        route: m%d\n", url, i, i)
	}
	if extra {
		fmt.Fprintf(&b, "  - name: extra\n    members:\n      - url: %s/extra\n", url)
	}
	b.WriteString("routes:\n  - path: /\n    balancer: c\n")
	if extra {
		b.WriteString("  - path: /extra\n    balancer: extra\n")
	}
	return b.String()
}

// usage is what a removed member could leave behind.
type usage struct {
	goroutines, cleaners, fds, series int
	rssKiB                            int64
}

func measure(t *testing.T, reg *prometheus.Registry) usage {
	t.Helper()
	runtime.GC()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	u := usage{goroutines: runtime.NumGoroutine(), fds: len(fds),
		cleaners: strings.Count(stacks, "fasthttp.(*HostClient).connsCleaner(")}
	for _, mf := range mfs {
		u.series += len(mf.GetMetric())
	}
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fmt.Sscan(v, &u.rssKiB)
		}
	}
	return u
}

// Members removed by a reload or a manager edit (both are Apply) free
// their state: 1,000 members added, used and removed one after another
// leave open files, goroutines, /metrics series and the runtime's tables
// where they were. Connection pools are closed at removal; fasthttp's
// cleaner goroutine of a pool ends after its idle time (memberIdleTTL),
// so with the real idle time those are left out of the count, and with a
// short one they are counted too.
func TestRemovedMembersFreeTheirState(t *testing.T) {
	const members = 1000
	tests := []struct {
		name          string
		idle          time.Duration
		countCleaners bool
	}{
		// First, so that its cleaners are gone before the next run counts.
		{"cleaners end after the idle time", 50 * time.Millisecond, true},
		{"pools closed at removal", memberIdleTTL, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := testutil.StartMember(t, "base")
			p, base := startProxy(t, pruneYAML(srv.URL, -1, false))
			p.states.idleConn = tc.idle // for the members added below
			reg := prometheus.NewRegistry()
			reg.MustRegister(p.Collector())
			if status, _, _ := get(t, base+"/x"); status != 200 {
				t.Fatalf("status %d", status)
			}
			seriesBefore := measure(t, reg).series
			var warm usage
			for i := range members {
				apply(t, p, pruneYAML(srv.URL, i, i%100 == 0))
				srv.Reset()
				if status, _, _ := get(t, base+"/x", fmt.Sprintf("Cookie: JSESSIONID=s.m%d", i)); status != 200 {
					t.Fatalf("member %d: status %d", i, status)
				}
				if seen := srv.Seen(); len(seen) != 1 || seen[0].URI != fmt.Sprintf("/m%d/x", i) {
					t.Fatalf("member %d did not serve the request: %+v", i, seen)
				}
				apply(t, p, pruneYAML(srv.URL, -1, false))
				if i == 99 {
					warm = measure(t, reg)
				}
			}
			var end usage
			testutil.Eventually(t, "goroutines and open files back to where they were after 100 members", func() bool {
				end = measure(t, reg)
				g, w := end.goroutines, warm.goroutines
				if !tc.countCleaners {
					g, w = g-end.cleaners, w-warm.cleaners
				}
				return g <= w+5 && end.fds <= warm.fds+5
			})
			t.Logf("after 100 members: %+v; after %d: %+v", warm, members, end)
			if end.series != seriesBefore {
				t.Errorf("%d /metrics series, want %d as before the members came and went", end.series, seriesBefore)
			}
			p.states.mu.Lock()
			nm, nb := len(p.states.members), len(p.states.balancers)
			p.states.mu.Unlock()
			if nm != 1 || nb != 1 {
				t.Errorf("the runtime keeps %d member and %d balancer states, want 1 and 1", nm, nb)
			}
		})
	}
}
