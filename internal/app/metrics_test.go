package app

import (
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"balancer/internal/testutil"
)

// scrape parses /metrics with the Prometheus text parser.
func scrape(t *testing.T, a *App) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + a.ManagerAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mf
}

// value finds the sample of family with all the labels given.
func value(mf map[string]*dto.MetricFamily, family string, labels ...string) float64 {
	f := mf[family]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// TestMetricsMatchTraffic checks /metrics against the traffic the test sent.
func TestMetricsMatchTraffic(t *testing.T) {
	m := []*testutil.Member{testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2")}
	yml := strings.Replace(twoMembers, "    healthcheck:\n      uri: /health\n      interval: 100ms\n      fails: 2\n      passes: 2\n", "", 1)
	a, base, _ := startApp(t, yml, m...)
	for i := 0; i < 7; i++ {
		req, _ := http.NewRequest("GET", base+"/", nil)
		req.Header.Set("Cookie", "JSESSIONID=abc.node2")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	m[0].Status.Store(500)
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest("GET", base+"/", nil)
		req.Header.Set("Cookie", "JSESSIONID=abc.node1")
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
	}
	mf := scrape(t, a)
	checks := []struct {
		family string
		labels []string
		want   float64
	}{
		{"balancer_requests_total", []string{"balancer", "c", "route", "node2", "code", "2xx"}, 7},
		{"balancer_requests_total", []string{"balancer", "c", "route", "node1", "code", "5xx"}, 3},
		{"balancer_request_duration_seconds", []string{"balancer", "c", "route", "node2"}, 7},
		{"balancer_sticky_total", []string{"balancer", "c", "outcome", "hit"}, 10},
		{"balancer_member_in_flight", []string{"balancer", "c", "route", "node2"}, 0},
		{"balancer_member_status", []string{"balancer", "c", "route", "node1", "status", "ok"}, 1},
		{"balancer_member_status", []string{"balancer", "c", "route", "node1", "status", "drain"}, 0},
		{"balancer_config_last_reload_successful", nil, 1},
		{"balancer_build_info", []string{"version", "test"}, 1},
		{"balancer_store_up", nil, 0},
	}
	for _, c := range checks {
		if got := value(mf, c.family, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.family, c.labels, got, c.want)
		}
	}
	if v := value(mf, "balancer_member_bytes_received_total", "route", "node2"); v <= 0 {
		t.Errorf("bytes received from node2 = %v", v)
	}
	for name := range mf {
		if !strings.HasPrefix(name, "balancer_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
			t.Errorf("metric %s does not start with balancer_", name)
		}
	}
}
