package managerui

import (
	"fmt"
	"testing"
	"time"

	"balancer/config"
)

// benchBackend has three balancers of ten busy members each.
func benchBackend(b *testing.B) *testBackend {
	yml := "listen: \"127.0.0.1:0\"\nbalancers:\n"
	for i := range 3 {
		yml += fmt.Sprintf("  - name: b%d\n    stickysession: JSESSIONID\n    members:\n", i)
		for j := range 10 {
			yml += fmt.Sprintf("      - url: http://10.0.%d.%d:8080\n        route: n%d\n", i, j, j)
		}
	}
	yml += "routes:\n  - path: /\n    balancer: b0\n"
	cfg, err := config.Parse("bench.yaml", []byte(yml))
	if err != nil {
		b.Fatal(err)
	}
	tb := &testBackend{cfg: cfg, extra: map[string]Member{}, info: Info{Version: "bench", Started: time.Now()}}
	for _, bc := range cfg.Balancers {
		for j, mc := range bc.Members {
			tb.set(mc.URL, func(m *Member) {
				m.Elected, m.Transferred, m.Read, m.Sessions = int64(1000*j), 1<<20, 1<<30, j
			})
		}
	}
	return tb
}

// BenchmarkPage renders the page of 30 members with full charts.
func BenchmarkPage(b *testing.B) { benchPage(b, DefaultPath) }

// BenchmarkLive renders what the page's script fetches every two seconds.
func BenchmarkLive(b *testing.B) { benchPage(b, DefaultPath+"?live=1") }

func benchPage(b *testing.B, uri string) {
	tb := benchBackend(b)
	m, err := New(tb, Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for i := range 61 {
		bs := tb.Balancers()
		for x := range bs {
			for y := range bs[x].Members {
				bs[x].Members[y].Elected = int64(i * (y + 1) * 50)
			}
		}
		m.sampler.Record(now.Add(time.Duration(i-60)*5*time.Second), bs)
	}
	h := m.Handler()
	size := 0
	b.ReportAllocs()
	for b.Loop() {
		ctx := call(h, "GET", uri, "", nil)
		if ctx.Response.StatusCode() != 200 {
			b.Fatal(ctx.Response.StatusCode())
		}
		size = len(ctx.Response.Body())
	}
	b.ReportMetric(float64(size), "bytes/page")
}

// BenchmarkAPIList serialises the same 30 members as JSON.
func BenchmarkAPIList(b *testing.B) {
	m, err := New(benchBackend(b), Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := m.Handler()
	b.ReportAllocs()
	for b.Loop() {
		if ctx := call(h, "GET", DefaultPath+"/api/balancers", "", nil); ctx.Response.StatusCode() != 200 {
			b.Fatal(ctx.Response.StatusCode())
		}
	}
}
