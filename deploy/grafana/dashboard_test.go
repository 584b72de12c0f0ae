// Package grafana holds the Grafana dashboard of the balancer's metrics;
// its test keeps the dashboard valid and in step with the metric names.
package grafana

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// metrics are the names the balancer exports (DESIGN.md §4, proxy's
// collector, the app's registry); the dashboard may use only these.
var metrics = []string{
	"balancer_requests_total",
	"balancer_member_errors_total",
	"balancer_member_bytes_sent_total",
	"balancer_member_bytes_received_total",
	"balancer_member_in_flight",
	"balancer_request_duration_seconds", // histogram
	"balancer_member_status",
	"balancer_member_healthy",
	"balancer_sticky_total",
	"balancer_failovers_total",
	"balancer_retries_total",
	"balancer_config_reloads_total",
	"balancer_config_last_reload_successful",
	"balancer_build_info",
	"balancer_store_up",
	"balancer_client_requests_total",
}

// promql lists the functions, aggregations and keywords the dashboard's
// queries may use besides metric names.
var promql = []string{
	"sum", "min", "max", "avg", "count", "by", "without", "rate", "increase", "irate",
	"histogram_quantile", "clamp_min", "vector", "or", "and", "unless", "label_values",
}

// Dashboard is the part of the dashboard model the test reads.
type Dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []Panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// Panel is one panel, possibly a row with panels inside.
type Panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	GridPos *struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []Panel `json:"panels"`
}

func load(t *testing.T) Dashboard {
	t.Helper()
	b, err := os.ReadFile("balancer-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d Dashboard
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("balancer-dashboard.json does not parse: %v", err)
	}
	return d
}

// exprs returns every PromQL expression of the dashboard, by panel title.
func exprs(d Dashboard) map[string][]string {
	out := map[string][]string{}
	var walk func([]Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				out[p.Title] = append(out[p.Title], tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Definition != "" {
			out["variable "+v.Name] = append(out["variable "+v.Name], v.Definition)
		}
	}
	return out
}

var (
	// Removed before looking for names: strings, label matchers, range
	// selectors, grouping clauses and numbers.
	quoted   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	matchers = regexp.MustCompile(`\{[^}]*\}`)
	ranges   = regexp.MustCompile(`\[[^\]]*\]`)
	grouping = regexp.MustCompile(`\b(by|without|on|ignoring)\s*\([^)]*\)`)
	numbers  = regexp.MustCompile(`\b\d+(\.\d+)?(e[-+]?\d+)?\b`)
	ident    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
)

// names returns the identifiers of expr that are not PromQL syntax: the
// metric names it reads (and, for label_values, the label it lists).
func names(expr string) []string {
	s := quoted.ReplaceAllString(expr, `""`)
	s = matchers.ReplaceAllString(s, " ")
	s = ranges.ReplaceAllString(s, " ")
	s = grouping.ReplaceAllString(s, " ")
	s = numbers.ReplaceAllString(s, " ")
	var out []string
	for _, id := range ident.FindAllString(s, -1) {
		if !slices.Contains(promql, id) {
			out = append(out, id)
		}
	}
	return out
}

func TestDashboard(t *testing.T) {
	d := load(t)
	if d.Title == "" || d.UID == "" {
		t.Errorf("title %q, uid %q: both are needed for provisioning", d.Title, d.UID)
	}
	ids := map[int]bool{}
	var check func([]Panel)
	check = func(ps []Panel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel %q: duplicate id %d", p.Title, p.ID)
			}
			ids[p.ID] = true
			if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 {
				t.Errorf("panel %q has no size", p.Title)
			}
			if p.Type != "row" && (p.Datasource == nil || p.Datasource.UID != "${datasource}") {
				t.Errorf("panel %q does not use the dashboard's datasource variable", p.Title)
			}
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			check(p.Panels)
		}
	}
	check(d.Panels)

	used := map[string]bool{}
	for title, es := range exprs(d) {
		for _, e := range es {
			ns := names(e)
			if strings.HasPrefix(e, "label_values(") && len(ns) > 0 {
				ns = ns[:len(ns)-1] // the last identifier is the label listed
			}
			if len(ns) == 0 {
				t.Errorf("%s: %q reads no metric", title, e)
			}
			for _, n := range ns {
				base := n
				if strings.HasPrefix(n, "balancer_request_duration_seconds_") {
					base = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")
				}
				if !slices.Contains(metrics, base) {
					t.Errorf("%s: %q uses %q, which the balancer does not export", title, e, n)
				}
				used[base] = true
			}
		}
	}
	for _, m := range metrics {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

// The checker itself: names are found, syntax is not mistaken for them.
func TestNames(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{`sum by (route) (rate(balancer_requests_total{balancer=~"$balancer", code="5xx"}[$__rate_interval]))`, []string{"balancer_requests_total"}},
		{`histogram_quantile(0.95, sum by (le) (rate(balancer_request_duration_seconds_bucket[5m])))`, []string{"balancer_request_duration_seconds_bucket"}},
		{`count(balancer_member_healthy == 0) or vector(0)`, []string{"balancer_member_healthy"}},
		{`up / process_cpu_seconds_total`, []string{"up", "process_cpu_seconds_total"}},
		{`label_values(balancer_member_in_flight, route)`, []string{"balancer_member_in_flight", "route"}},
	}
	for _, tc := range tests {
		if got := names(tc.expr); !slices.Equal(got, tc.want) {
			t.Errorf("names(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}
