package managerui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAPIList(t *testing.T) {
	b := newTestBackend(t)
	checked := time.Now().Add(-3 * time.Second)
	b.set(node2, func(m *Member) {
		m.Elected, m.Busy, m.Transferred, m.Read, m.Errors = 10, 1, 2048, 4096, 2
		m.Health = Health{State: "healthy", Checked: &checked, Status: 200}
	})
	_, c := start(t, b, Options{})
	r := c.get(DefaultPath + "/api/balancers")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q", r.status, r.header.Get("Content-Type"))
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
		t.Fatal(err)
	}
	bs := raw["balancers"].([]any)
	b0 := bs[0].(map[string]any)
	for _, k := range []string{"name", "lbmethod", "stickysession", "nofailover", "timeout", "maxattempts", "failovers", "members"} {
		if _, ok := b0[k]; !ok {
			t.Errorf("balancer lacks %q", k)
		}
	}
	m1 := b0["members"].([]any)[1].(map[string]any)
	// DESIGN.md §4 names these member fields.
	for _, k := range []string{"route", "url", "loadfactor", "lbset", "status", "elected", "busy", "transferred", "read", "errors", "health", "sessions", "safetostop"} {
		if _, ok := m1[k]; !ok {
			t.Errorf("member lacks %q", k)
		}
	}
	if m1["route"] != "node2" || m1["elected"] != 10.0 || m1["read"] != 4096.0 || m1["loadfactor"] != 2.0 {
		t.Errorf("member %v", m1)
	}
	if st, ok := m1["status"].([]any); !ok || len(st) != 0 {
		t.Errorf("status of a member without flags: %#v, want []", m1["status"])
	}
	if raw["info"].(map[string]any)["version"] != "v1.2.3" {
		t.Errorf("info %v", raw["info"])
	}
}

func TestAPIEdits(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		ctype   string
		body    string
		headers []string // NONCE is replaced by a valid API nonce
		status  int
		errSays string
		check   func(t *testing.T, b *testBackend, body string)
	}{
		{"loadfactor and lbset", "/api/balancers/shop/members/node2", "", `{"loadfactor": 4.5, "lbset": 1}`, nil, 200, "",
			func(t *testing.T, b *testBackend, body string) {
				eq(t, b.member(t, node2).LoadFactor, 4.5)
				eq(t, b.member(t, node2).LBSet, 1)
				var m Member
				json.Unmarshal([]byte(body), &m)
				eq(t, m.LoadFactor, 4.5)
			}},
		{"drain", "/api/balancers/shop/members/node2", "", `{"status": ["drain"]}`, nil, 200, "",
			func(t *testing.T, b *testBackend, body string) {
				eq(t, strings.Join(b.member(t, node2).Status, ","), "drain")
			}},
		{"status read back with runtime flags", "/api/balancers/shop/members/node2", "", `{"status": ["drain", "error", "health-failed"]}`, nil, 200, "",
			func(t *testing.T, b *testBackend, body string) {
				eq(t, strings.Join(b.member(t, node2).Status, ","), "drain")
			}},
		{"clear status", "/api/balancers/shop/members/node3", "", `{"status": []}`, nil, 200, "",
			func(t *testing.T, b *testBackend, body string) { eq(t, len(b.member(t, node3).Status), 0) }},
		{"route and redirect", "/api/balancers/shop/members/node1", "", `{"route": "alpha", "redirect": "node2"}`, nil, 200, "",
			func(t *testing.T, b *testBackend, body string) {
				eq(t, b.member(t, node1).Route, "alpha")
				eq(t, b.member(t, node1).Redirect, "node2")
				if !strings.Contains(body, `"route": "alpha"`) {
					t.Errorf("answer is not the renamed member: %s", body)
				}
			}},
		{"member by escaped URL", "/api/balancers/shop/members/" + url.PathEscape(node1), "", `{"lbset": 2}`, nil, 200, "",
			func(t *testing.T, b *testBackend, body string) { eq(t, b.member(t, node1).LBSet, 2) }},
		{"charset parameter", "/api/balancers/shop/members/node1", "application/json; charset=utf-8", `{"lbset": 2}`, nil, 200, "", nil},
		{"balancer fields", "/api/balancers/shop", "", `{"lbmethod": "bytraffic", "nofailover": true, "timeout": "3s", "maxattempts": 0, "stickysession": "SID"}`, nil, 200, "",
			func(t *testing.T, b *testBackend, body string) {
				bc := b.cfg.Balancers[0]
				eq(t, bc.LBMethod, "bytraffic")
				eq(t, bc.NoFailover, true)
				eq(t, bc.Timeout.D(), 3*time.Second)
				eq(t, bc.Attempts(), 0)
				eq(t, bc.StickySession, "SID")
			}},
		{"add member", "/api/balancers/shop/members", "", `{"url": "http://127.0.0.1:8109", "route": "node9", "loadfactor": 2, "status": ["disabled"]}`, nil, 201, "",
			func(t *testing.T, b *testBackend, body string) {
				eq(t, b.member(t, "http://127.0.0.1:8109").Route, "node9")
				if !strings.Contains(body, `"route": "node9"`) {
					t.Errorf("answer is not the new member: %s", body)
				}
			}},
		{"wrong content type", "/api/balancers/shop/members/node2", "application/x-www-form-urlencoded", `loadfactor=3`, nil, 415, "application/json", nil},
		{"text/plain", "/api/balancers/shop/members/node2", "text/plain", `{"loadfactor": 3}`, nil, 415, "application/json", nil},
		{"unknown field", "/api/balancers/shop/members/node2", "", `{"loadfactor": 3, "weight": 9}`, nil, 400, `unknown field`, nil},
		{"wrong type", "/api/balancers/shop/members/node2", "", `{"loadfactor": "heavy"}`, nil, 400, "invalid JSON body", nil},
		{"trailing data", "/api/balancers/shop/members/node2", "", `{"loadfactor": 3} {"lbset": 1}`, nil, 400, "data after", nil},
		{"empty body", "/api/balancers/shop/members/node2", "", ``, nil, 400, "empty body", nil},
		{"empty object", "/api/balancers/shop/members/node2", "", `{}`, nil, 400, "nothing to change", nil},
		{"out of range", "/api/balancers/shop/members/node2", "", `{"loadfactor": 101}`, nil, 400, "must be between 1 and 100", nil},
		{"unknown status", "/api/balancers/shop/members/node2", "", `{"status": ["asleep"]}`, nil, 400, "unknown status", nil},
		{"unknown balancer", "/api/balancers/nope/members/node2", "", `{"lbset": 1}`, nil, 404, "no balancer", nil},
		{"unknown member", "/api/balancers/shop/members/node7", "", `{"lbset": 1}`, nil, 404, "no member", nil},
		{"no nonce", "/api/balancers/shop/members/node2", "", `{"lbset": 1}`, []string{}, 403, NonceHeader, nil},
		{"wrong nonce", "/api/balancers/shop/members/node2", "", `{"lbset": 1}`, []string{NonceHeader + ": abc"}, 403, NonceHeader, nil},
		{"foreign origin with nonce", "/api/balancers/shop/members/node2", "", `{"lbset": 1}`, []string{NonceHeader + ": NONCE", "Origin: https://evil.example"}, 403, "another site", nil},
		{"unknown endpoint", "/api/members", "", `{}`, nil, 404, "no such API endpoint", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newTestBackend(t)
			m, c := start(t, b, Options{})
			ct := "application/json"
			if tc.ctype != "" {
				ct = tc.ctype
			}
			hs := tc.headers
			if hs == nil {
				hs = []string{NonceHeader + ": NONCE"}
			}
			for i := range hs {
				hs = append([]string(nil), hs...)
				hs[i] = strings.ReplaceAll(hs[i], "NONCE", m.csrf.apiNonce())
			}
			r := c.do(http.MethodPost, DefaultPath+tc.path, ct, tc.body, hs...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.body)
			}
			if r.header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
			}
			if tc.errSays != "" {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(r.body), &e); err != nil || !strings.Contains(e.Error, tc.errSays) {
					t.Errorf("error %q (%v), want one saying %q", e.Error, err, tc.errSays)
				}
				if b.edits() != 0 {
					t.Error("a refused request changed something")
				}
			}
			if tc.check != nil {
				tc.check(t, b, r.body)
			}
		})
	}
}

// Scripts get the nonce from the API; the page's own nonce works with its
// cookie too.
func TestAPINonce(t *testing.T) {
	b := newTestBackend(t)
	_, c := start(t, b, Options{})
	var got struct{ Nonce, Header string }
	if err := json.Unmarshal([]byte(c.get(DefaultPath+"/api/nonce").body), &got); err != nil || got.Nonce == "" || got.Header != NonceHeader {
		t.Fatalf("nonce answer %+v %v", got, err)
	}
	if r := c.postJSON(DefaultPath+"/api/balancers/shop/members/node1", `{"lbset": 5}`, NonceHeader+": "+got.Nonce); r.status != 200 {
		t.Fatalf("with the API nonce: %d %s", r.status, r.body)
	}
	if r := c.postJSON(DefaultPath+"/api/balancers/shop/members/node1", `{"lbset": 6}`, NonceHeader+": "+c.nonce()); r.status != 200 {
		t.Fatalf("with the page nonce and cookie: %d %s", r.status, r.body)
	}
	eq(t, b.member(t, node1).LBSet, 6)
}

func TestAPIReads(t *testing.T) {
	_, c := start(t, newTestBackend(t), Options{})
	tests := []struct {
		path   string
		status int
		has    string
	}{
		{"/api/balancers/shop", 200, `"name": "shop"`},
		{"/api/balancers/shop/members", 200, `"route": "node3"`},
		{"/api/balancers/shop/members/node3", 200, `"hot-standby"`},
		{"/api/balancers/shop/members/none", 404, `"error"`},
		{"/api/balancers/none", 404, `"error"`},
	}
	for _, tc := range tests {
		r := c.get(DefaultPath + tc.path)
		if r.status != tc.status || !strings.Contains(r.body, tc.has) {
			t.Errorf("GET %s: %d %s", tc.path, r.status, r.body)
		}
	}
	if r := c.do(http.MethodDelete, DefaultPath+"/api/balancers/shop", "", ""); r.status != 405 {
		t.Errorf("DELETE: %d", r.status)
	}
}
