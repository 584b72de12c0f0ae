package managerui_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"balancer/internal/testutil"
	managerui "balancer/manager-ui"
)

// apiCall sends a request to the real manager and decodes the JSON answer.
func apiCall(t *testing.T, method, url, body string, headers map[string]string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

// The README's drain recipe, against a real balancer: drain node2 through
// the API, check on real traffic, watch its sessions in the API, undrain.
func TestAPIDrainRealTraffic(t *testing.T) {
	members := []*testutil.Member{
		testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2"), testutil.StartMember(t, "node3"),
	}
	a := startApp(t, members)
	proxy, m := "http://"+a.ProxyAddr(), "http://"+a.ManagerAddr()+"/balancer-manager"
	var node2 []string
	for i := range 9 {
		if route, c := request(t, proxy+fmt.Sprintf("/set-session?id=s%d", i), ""); route == "node2" {
			node2 = append(node2, c)
		}
	}
	if len(node2) == 0 {
		t.Fatal("no session on node2")
	}
	var nonce struct{ Nonce string }
	apiCall(t, "GET", m+"/api/nonce", "", nil, &nonce)
	h := map[string]string{"Content-Type": "application/json", managerui.NonceHeader: nonce.Nonce}

	var mb managerui.Member
	if st := apiCall(t, "POST", m+"/api/balancers/shop/members/node2", `{"status": ["drain"]}`, h, &mb); st != 200 {
		t.Fatalf("drain: %d %+v", st, mb)
	}
	if strings.Join(mb.Status, ",") != "drain" {
		t.Errorf("after drain: status %v", mb.Status)
	}
	for i := range 20 {
		if route, _ := request(t, proxy+fmt.Sprintf("/set-session?id=n%d", i), ""); route == "node2" {
			t.Fatalf("new session went to draining node2")
		}
	}
	for _, c := range node2 {
		if route, _ := request(t, proxy+"/", c); route != "node2" {
			t.Fatalf("node2's session went to %s", route)
		}
	}
	apiCall(t, "GET", m+"/api/balancers/shop/members/node2", "", nil, &mb)
	if mb.Sessions < len(node2) || mb.SafeToStop {
		t.Errorf("node2 holds %d sessions (safetostop %v), want at least %d", mb.Sessions, mb.SafeToStop, len(node2))
	}

	// Refusals reach nothing on the real runtime either.
	tests := []struct {
		name    string
		body    string
		headers map[string]string
		status  int
	}{
		{"no nonce", `{"lbset": 1}`, map[string]string{"Content-Type": "application/json"}, 403},
		{"not JSON", `{"lbset": 1}`, map[string]string{"Content-Type": "text/plain", managerui.NonceHeader: nonce.Nonce}, 415},
		{"unknown field", `{"weight": 1}`, h, 400},
		{"out of range", `{"lbset": 100}`, h, 400},
	}
	for _, tc := range tests {
		var e struct{ Error string }
		if st := apiCall(t, "POST", m+"/api/balancers/shop/members/node2", tc.body, tc.headers, &e); st != tc.status || e.Error == "" {
			t.Errorf("%s: %d %q, want %d with an error", tc.name, st, e.Error, tc.status)
		}
	}

	if st := apiCall(t, "POST", m+"/api/balancers/shop/members/node2", `{"status": []}`, h, &mb); st != 200 || len(mb.Status) != 0 {
		t.Fatalf("undrain: %d %v", st, mb.Status)
	}
	got := map[string]int{}
	for i := range 9 {
		route, _ := request(t, proxy+fmt.Sprintf("/set-session?id=u%d", i), "")
		got[route]++
	}
	if got["node2"] == 0 {
		t.Errorf("after undrain node2 takes no new session: %v", got)
	}
}

// Every metric the Grafana dashboard draws is one the real balancer
// exports, and /metrics and /healthz carry the security headers.
func TestMetricsMatchDashboard(t *testing.T) {
	a := startApp(t, []*testutil.Member{testutil.StartMember(t, "node1")})
	request(t, "http://"+a.ProxyAddr()+"/", "")
	resp, err := httpClient.Get("http://" + a.ManagerAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("/metrics lacks the security headers: %v", resp.Header)
	}
	exported := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllStringSubmatch(string(body), -1) {
		exported[m[1]] = true
	}
	dash, err := os.ReadFile("../deploy/grafana/balancer-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, n := range regexp.MustCompile(`balancer_[a-z_]+`).FindAllString(string(dash), -1) {
		n = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")
		if n == "balancer_request_duration_seconds_" || seen[n] {
			continue
		}
		seen[n] = true
		if !exported[n] {
			t.Errorf("the dashboard uses %s, which /metrics does not export", n)
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d metric names found in the dashboard", len(seen))
	}
	resp, err = httpClient.Get("http://" + a.ManagerAddr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
}
