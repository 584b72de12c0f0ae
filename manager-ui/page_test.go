package managerui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// rowOf cuts the table row of the member with the given route out of page.
func rowOf(t *testing.T, page, route string) string {
	t.Helper()
	i := strings.Index(page, `data-route="`+route+`"`)
	if i < 0 {
		t.Fatalf("no row for %s", route)
	}
	j := strings.Index(page[i:], "</tr>")
	return page[i : i+j]
}

func TestPageContent(t *testing.T) {
	b := newTestBackend(t)
	last := time.Now().Add(-40 * time.Second)
	b.set(node1, func(m *Member) {
		m.Elected, m.Transferred, m.Read, m.Errors = 1500, 3<<20, 1536, 3
		m.Sessions, m.LastSession = 12, &last
	})
	b.set(node2, func(m *Member) { m.Elected, m.Busy, m.Sessions = 500, 2, 4 })
	b.info.Persist, b.info.File = true, "/etc/balancer.yaml"
	m, c := start(t, b, Options{SampleEvery: 5 * time.Second, History: 12})
	// Drain node2 (sessions still there) and node3 (nothing left).
	if err := b.Apply(mustEdits(memberEdits(Balancer{Name: "shop"}, Member{URL: node2}, MemberChange{Status: &[]string{"drain"}}))); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(mustEdits(memberEdits(Balancer{Name: "shop"}, Member{URL: node3}, MemberChange{Status: &[]string{"drain"}}))); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	m.sampler.Record(t0.Add(-10*time.Second), reading(map[string]int64{node1: 1400, node2: 500, node3: 0}))
	m.sampler.Record(t0.Add(-5*time.Second), reading(map[string]int64{node1: 1450, node2: 500, node3: 0}))
	m.sampler.Record(t0, reading(map[string]int64{node1: 1500, node2: 500, node3: 0}))

	page := c.get(DefaultPath).body
	r1, r2, r3 := rowOf(t, page, "node1"), rowOf(t, page, "node2"), rowOf(t, page, "node3")
	for _, tc := range []struct{ where, row, want string }{
		{"bytes humanised", r1, `3 MiB <span class="muted">out</span></span>
          <span class="sub">1.5 KiB in</span>`},
		{"busy", r2, `<span class="sub busy">2 in flight</span>`},
		{"count humanised", r1, "1.5k"},
		{"share", r1, "75%"},
		{"rate", r1, "10/s"},
		{"sessions", r1, `<span class="big">12</span>`},
		{"last session", r1, "last 40s ago"},
		{"errors", r1, `errs">3`},
		{"usable badge", r1, `pill ok`},
		{"drain badge", r2, `pill warn`},
		{"still in use", r2, "Draining: 4 sessions still reach it, 2 in flight"},
		{"undrain button", r2, ">Undrain<"},
		{"safe to stop", r3, "Safe to stop"},
		{"hot-standby kept", r3, "hot-standby"},
		{"drain button", r1, ">Drain<"},
	} {
		if !strings.Contains(tc.row, tc.want) {
			t.Errorf("%s: row lacks %q:\n%s", tc.where, tc.want, tc.row)
		}
	}
	if strings.Contains(r2, "Safe to stop") {
		t.Error("node2 with sessions is called safe to stop")
	}
	// node1 had traffic in both intervals: two bars, the tallest full height.
	if bars := regexp.MustCompile(`<path class="c0" d="([^"]*)"`).FindStringSubmatch(r1); bars == nil || strings.Count(bars[1], "M") != 2 || !strings.Contains(bars[1], "v-31") {
		t.Errorf("node1's bars: %v", bars)
	}
	if !strings.Contains(page, "saved to /etc/balancer.yaml") {
		t.Error("persistence not shown")
	}
	if !strings.Contains(page, "Traffic spread now") {
		t.Error("spread bar caption missing")
	}
	// Accessibility: every visible field is inside a label; tables have headers.
	fields := regexp.MustCompile(`<(input|select)\b[^>]*>`).FindAllString(page, -1)
	labelled := 0
	for _, f := range fields {
		if strings.Contains(f, `type="hidden"`) {
			continue
		}
		labelled++
	}
	if labels := strings.Count(page, "<label"); labels < labelled {
		t.Errorf("%d visible fields, %d labels", labelled, labels)
	}
	if !strings.Contains(page, `<th scope="col">Member</th>`) || !strings.Contains(page, `<th scope="row"`) {
		t.Error("table headers missing")
	}
}

func mustEdits[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMetricsAndHealthz(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "balancer_test_total", Help: "test"})
	c.Add(7)
	reg.MustRegister(c)
	tests := []struct {
		name   string
		o      Options
		path   string
		status int
		has    string
	}{
		{"metrics", Options{Gatherer: reg}, "/metrics", 200, "balancer_test_total 7"},
		{"no gatherer", Options{}, "/metrics", 404, ""},
		{"healthz", Options{}, "/healthz", 200, "ok"},
		{"pprof off", Options{}, "/debug/pprof/", 404, ""},
		{"pprof on", Options{Pprof: true}, "/debug/pprof/", 200, "goroutine"},
		{"custom path", Options{Path: "/lb/"}, "/lb", 200, `href="/lb/static/style.css"`},
		{"custom path api", Options{Path: "/lb"}, "/lb/api/balancers", 200, `"balancers"`},
		{"root path", Options{Path: "/"}, "/", 200, `action="/"`},
		{"root path asset", Options{Path: "/"}, "/static/app.js", 200, "DOMParser"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, cl := start(t, newTestBackend(t), tc.o)
			r := cl.get(tc.path)
			if r.status != tc.status || !strings.Contains(r.body, tc.has) {
				t.Errorf("GET %s: %d\n%.300s", tc.path, r.status, r.body)
			}
		})
	}
}

// The live view the script polls carries the data cells and the nonce but
// no forms, so it stays small.
func TestLiveView(t *testing.T) {
	_, c := start(t, newTestBackend(t), Options{})
	full, live := c.get(DefaultPath).body, c.get(DefaultPath+"?live=1").body
	if !strings.Contains(full, "<form") || strings.Contains(live, "<form") {
		t.Errorf("forms: full page %v, live view %v", strings.Contains(full, "<form"), strings.Contains(live, "<form"))
	}
	for _, id := range []string{`id="b0-m0-status"`, `id="b0-m2-sessions"`, `id="b0-sum"`, `id="facts"`} {
		if !strings.Contains(live, id) {
			t.Errorf("live view lacks %s", id)
		}
	}
	n := nonceRE.FindStringSubmatch(full)
	if n == nil || !strings.Contains(live, `data-nonce="`+n[1]+`"`) {
		t.Error("live view does not carry the page's nonce")
	}
	if len(live) >= len(full) {
		t.Errorf("live view %d bytes, full page %d", len(live), len(full))
	}
}
