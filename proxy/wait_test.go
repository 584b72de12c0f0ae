package proxy

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"balancer/config"
	"balancer/health"
	"balancer/internal/testutil"
)

func oneYAML(extraBalancer, extraMember string) string {
	return `
balancers:
  - name: c
` + extraBalancer + `    members:
      - url: {{m0}}
        route: node1
` + extraMember + `routes:
  - path: /
    balancer: c
`
}

// Balancer timeout (httpd's): with no usable member a request waits up to
// the timeout for one, and is served as soon as one becomes usable,
// whatever made it usable; without one it gets 503 after the timeout.
func TestBalancerTimeout(t *testing.T) {
	tests := []struct {
		name          string
		balancer      string
		member        string
		before        func(t *testing.T, p *Proxy, m *testutil.Member, base string) // makes the member unusable
		during        func(t *testing.T, p *Proxy, yml string)                      // makes it usable while the request waits
		status        int
		waitsAtLeast  time.Duration
		waitsInFlight int32
	}{
		{
			name: "enabled by an edit", balancer: "    timeout: 1m\n", member: "        status: [disabled]\n",
			during: func(t *testing.T, p *Proxy, yml string) {
				apply(t, p, strings.Replace(yml, "        status: [disabled]\n", "", 1))
			},
			status: 200, waitsInFlight: 1,
		},
		{
			name: "its retry time ends", balancer: "    timeout: 1m\n    forcerecovery: false\n",
			before: func(t *testing.T, p *Proxy, _ *testutil.Member, _ string) {
				p.Snapshot().Balancer("c").Members()[0].st.markError(300*time.Millisecond, "test")
			},
			status: 200, waitsInFlight: 1,
		},
		{
			name: "its health check passes", balancer: "    timeout: 1m\n",
			before: func(t *testing.T, p *Proxy, m *testutil.Member, _ string) {
				p.SetHealthy(memberKey("c", m.URL), false, health.Result{})
			},
			during: func(t *testing.T, p *Proxy, _ string) {
				p.SetHealthy(memberKey("c", p.Snapshot().Balancer("c").Members()[0].URL), true, health.Result{})
			},
			status: 200, waitsInFlight: 1,
		},
		{
			name: "a request to it at its max ends", balancer: "    timeout: 1m\n", member: "        max: 1\n",
			before: func(t *testing.T, p *Proxy, m *testutil.Member, base string) {
				m.Delay.Store(int64(300 * time.Millisecond))
				go getStatus(base + "/slow")
				testutil.Eventually(t, "the slow request in flight", func() bool {
					return p.Snapshot().Balancer("c").Members()[0].st.sched.Busy.Load() == 1
				})
			},
			status: 200, waitsInFlight: 1,
		},
		{
			name: "nothing becomes usable", balancer: "    timeout: 200ms\n", member: "        status: [disabled]\n",
			status: 503, waitsAtLeast: 200 * time.Millisecond,
		},
		{
			name: "no timeout", member: "        status: [disabled]\n",
			status: 503,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testutil.StartMember(t, "node1")
			yml := oneYAML(tc.balancer, tc.member)
			p, base := startProxy(t, yml, m)
			if tc.before != nil {
				tc.before(t, p, m, base)
			}
			type result struct {
				status int
				took   time.Duration
			}
			done := make(chan result, 1)
			go func() {
				start := time.Now()
				done <- result{getStatus(base + "/x"), time.Since(start)}
			}()
			b := p.Snapshot().Balancer("c")
			if tc.waitsInFlight > 0 {
				testutil.Eventually(t, "the request waiting for a member", func() bool {
					return b.st.changes.waiting.Load() == tc.waitsInFlight
				})
				if v := gaugeOf(t, p, "balancer_waiting_requests"); v != float64(tc.waitsInFlight) {
					t.Errorf("balancer_waiting_requests %v, want %d", v, tc.waitsInFlight)
				}
			}
			if tc.during != nil {
				tc.during(t, p, strings.ReplaceAll(yml, "{{m0}}", m.URL))
			}
			var r result
			select {
			case r = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("no answer in 30s")
			}
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			if r.took < tc.waitsAtLeast {
				t.Errorf("answered after %v, before the timeout %v", r.took, tc.waitsAtLeast)
			}
			if n := b.st.changes.waiting.Load(); n != 0 {
				t.Errorf("%d requests still counted as waiting", n)
			}
		})
	}
}

// apply parses yml and applies it to p.
func apply(t *testing.T, p *Proxy, yml string) {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(cfg); err != nil {
		t.Fatal(err)
	}
}

// getStatus is get for goroutines other than the test's: -1 on an error.
func getStatus(url string) int {
	resp, err := client.Get(url)
	if err != nil {
		return -1
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// gaugeOf reads the first series of the gauge name from p's collector.
func gaugeOf(t *testing.T, p *Proxy, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(p.Collector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no %s", name)
	return 0
}
