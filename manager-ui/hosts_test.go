package managerui

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// A DNS-rebinding page reaches the manager with its own name in Host:
// without credentials it gets 421 and nothing else on every surface, even
// when it sends a nonce it somehow obtained; the manager's own names work.
func TestForeignHostGetsNothing(t *testing.T) {
	reg := prometheus.NewRegistry()
	b := newTestBackend(t)
	_, c := start(t, b, Options{Gatherer: reg, Pprof: true, Listen: "10.9.8.7:8081",
		Hosts: []string{"mgr.example.com", "fd12::5"}})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(c.base, "http://"))
	nonce := c.nonce() // the page's nonce and cookie, as a browser on the right name holds them
	viewer := viewerCookieOf(t, c)
	added := 0
	var apiNonce struct{ Nonce string }
	decodeJSON(t, c.get(DefaultPath+"/api/nonce").body, &apiNonce)

	type surface struct {
		name   string
		send   func(host string) response
		status int // when the Host is the manager's own
	}
	surfaces := []surface{
		{"page", func(h string) response { return c.get(DefaultPath, "Host: "+h) }, http.StatusOK},
		{"asset", func(h string) response { return c.get(DefaultPath+"/static/style.css", "Host: "+h) }, http.StatusOK},
		{"api list", func(h string) response { return c.get(DefaultPath+"/api/balancers", "Host: "+h) }, http.StatusOK},
		{"api member", func(h string) response { return c.get(DefaultPath+"/api/balancers/shop/members/node1", "Host: "+h) }, http.StatusOK},
		{"api nonce", func(h string) response { return c.get(DefaultPath+"/api/nonce", "Host: "+h) }, http.StatusOK},
		{"api edit", func(h string) response {
			return c.postJSON(DefaultPath+"/api/balancers/shop/members/node1", `{"lbset": 3}`,
				"Host: "+h, NonceHeader+": "+apiNonce.Nonce)
		}, http.StatusOK},
		{"api add member", func(h string) response {
			added++
			return c.postJSON(DefaultPath+"/api/balancers/shop/members", fmt.Sprintf(`{"url": "http://127.0.0.1:%d"}`, 10000+added),
				"Host: "+h, NonceHeader+": "+apiNonce.Nonce)
		}, http.StatusCreated},
		{"form edit", func(h string) response {
			// net/http's jar sends no cookie once Host differs from the URL's.
			return c.postForm(memberForm(func(v url.Values) { v.Set("nonce", nonce); v.Set("loadfactor", "9") }),
				"Host: "+h, "Cookie: "+csrfCookie+"="+viewer)
		}, http.StatusSeeOther},
		{"metrics", func(h string) response { return c.get("/metrics", "Host: "+h) }, http.StatusOK},
		{"pprof", func(h string) response { return c.get("/debug/pprof/", "Host: "+h) }, http.StatusOK},
	}
	foreign := []string{"evil.example", "evil.example:" + port, "127.0.0.1.evil.example", "localhost.evil.example:" + port,
		"169.254.169.254", "10.0.0.1:" + port, "0.0.0.0:" + port, "[::ffff:a00:1]:" + port}
	own := []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST.:" + port, "app.localhost:" + port,
		"127.0.0.2", "[::1]:" + port, "10.9.8.7:8081", "mgr.example.com", "MGR.example.COM:" + port, "[fd12::5]:" + port}
	for _, s := range surfaces {
		for _, h := range foreign {
			t.Run(s.name+"/foreign "+h, func(t *testing.T) {
				before := b.edits()
				r := s.send(h)
				if r.status != http.StatusMisdirectedRequest {
					t.Fatalf("status %d, want 421\n%s", r.status, r.body)
				}
				for _, leak := range []string{apiNonce.Nonce, nonce, "node1", "shop", "balancer_"} {
					if strings.Contains(r.body, leak) || strings.Contains(strings.Join(r.header.Values("Set-Cookie"), ";"), csrfCookie) {
						t.Errorf("the answer leaks %q:\n%s", leak, r.body)
					}
				}
				if b.edits() != before {
					t.Errorf("an edit was applied")
				}
			})
		}
		for _, h := range own {
			t.Run(s.name+"/own "+h, func(t *testing.T) {
				if r := s.send(h); r.status != s.status {
					t.Fatalf("status %d, want %d\n%s", r.status, s.status, r.body)
				}
			})
		}
	}
	if r := c.get("/healthz", "Host: evil.example"); r.status != http.StatusOK {
		t.Errorf("/healthz with any Host: status %d, want 200 (probes use whatever name)", r.status)
	}
}

// With credentials configured they protect what asks for them (a
// rebinding page cannot send them), under any Host; what is served
// without them still answers only the manager's own names.
func TestForeignHostWithCredentials(t *testing.T) {
	viewer := url.UserPassword("viewer", "viewer-pass")
	tests := []struct {
		name        string
		metricsAuth bool
		path, host  string
		user        *url.Userinfo
		status      int
	}{
		{"page, no credentials", false, DefaultPath, "evil.example", nil, http.StatusUnauthorized},
		{"page, credentials", false, DefaultPath, "balancer.example.net", viewer, http.StatusOK},
		{"api, credentials", false, DefaultPath + "/api/balancers", "balancer.example.net", viewer, http.StatusOK},
		{"open metrics, foreign", false, "/metrics", "evil.example", nil, http.StatusMisdirectedRequest},
		{"open metrics, own", false, "/metrics", "localhost", nil, http.StatusOK},
		{"metrics behind credentials, foreign, none", true, "/metrics", "evil.example", nil, http.StatusUnauthorized},
		{"metrics behind credentials, foreign", true, "/metrics", "evil.example", viewer, http.StatusOK},
		{"asset, foreign", false, DefaultPath + "/static/style.css", "evil.example", nil, http.StatusMisdirectedRequest},
		{"healthz, foreign", false, "/healthz", "evil.example", nil, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, c := start(t, newTestBackend(t), Options{Users: testUsers(t), MetricsAuth: tc.metricsAuth,
				Gatherer: prometheus.NewRegistry()})
			c.user = tc.user
			if r := c.get(tc.path, "Host: "+tc.host); r.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.body)
			}
		})
	}
}

// The listener's own address counts as a name only when it is one: a
// wildcard listen address is not a Host anybody should send.
func TestHostGuardListen(t *testing.T) {
	tests := []struct {
		listen, host string
		ok           bool
	}{
		{"0.0.0.0:8081", "0.0.0.0:8081", false},
		{"[::]:8081", "[::]:8081", false},
		{":8081", "evil.example:8081", false},
		{"mgr.internal:8081", "mgr.internal:8081", true},
		{"mgr.internal:8081", "mgr.internal", true},
		{"[fd00::7]:8081", "[fd00::7]:8081", true},
		{"192.0.2.10:8081", "192.0.2.10", true},
		{"192.0.2.10:8081", "192.0.2.11", false},
	}
	for _, tc := range tests {
		t.Run(tc.listen+" "+tc.host, func(t *testing.T) {
			_, c := start(t, newTestBackend(t), Options{Listen: tc.listen})
			r := c.get(DefaultPath+"/api/nonce", "Host: "+tc.host)
			if got := r.status != http.StatusMisdirectedRequest; got != tc.ok {
				t.Fatalf("status %d, want allowed=%v", r.status, tc.ok)
			}
		})
	}
}

// manager.auth.metrics puts /metrics behind the credentials; without it
// /metrics stays open for scrapers.
func TestMetricsAuth(t *testing.T) {
	tests := []struct {
		name   string
		on     bool
		user   *url.Userinfo
		status int
	}{
		{"off, no credentials", false, nil, 200},
		{"on, no credentials", true, nil, 401},
		{"on, wrong password", true, url.UserPassword("viewer", "nope"), 401},
		{"on, read-only user", true, url.UserPassword("viewer", "viewer-pass"), 200},
		{"on, editor", true, url.UserPassword("admin", "admin-pass"), 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "balancer_test_gauge", Help: "test"})
			reg.MustRegister(g)
			_, c := start(t, newTestBackend(t), Options{Users: testUsers(t), Gatherer: reg, MetricsAuth: tc.on})
			c.user = tc.user
			r := c.get("/metrics")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			if has := strings.Contains(r.body, "balancer_test_gauge"); has != (tc.status == 200) {
				t.Errorf("series in the answer: %v, want %v", has, tc.status == 200)
			}
		})
	}
	if _, err := New(newTestBackend(t), Options{MetricsAuth: true}); err == nil {
		t.Error("metrics behind credentials without users: no error")
	}
}

// The manager adds no member on a link-local address, where cloud metadata
// services answer; other addresses are added.
func TestAddMemberRefusesMetadataAddress(t *testing.T) {
	tests := []struct {
		url    string
		status int
	}{
		{"http://169.254.169.254", http.StatusForbidden},
		{"http://169.254.170.2:80/v2/credentials", http.StatusForbidden},
		{"http://[fd00:ec2::254]", http.StatusForbidden},
		{"http://[fe80::1]:8080", http.StatusForbidden},
		{"http://[::ffff:169.254.169.254]", http.StatusForbidden},
		{"http://10.0.0.9:8080", http.StatusCreated},
		{"http://app.internal:8080", http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			b := newTestBackend(t)
			_, c := start(t, b, Options{})
			var n struct{ Nonce string }
			decodeJSON(t, c.get(DefaultPath+"/api/nonce").body, &n)
			r := c.postJSON(DefaultPath+"/api/balancers/shop/members", `{"url": "`+tc.url+`"}`, NonceHeader+": "+n.Nonce)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.body)
			}
			if applied := b.edits() > 0; applied != (tc.status == http.StatusCreated) {
				t.Errorf("applied %v", applied)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(r.body, "link-local") {
				t.Errorf("the refusal does not say why:\n%s", r.body)
			}
		})
	}
}

func decodeJSON(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%v in\n%s", err, body)
	}
}
