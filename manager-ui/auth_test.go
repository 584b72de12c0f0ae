package managerui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"balancer/config"
)

// testUsers are an editor (admin/admin-pass) and a read-only viewer
// (viewer/viewer-pass), hashed at bcrypt's minimum cost to keep tests fast.
func testUsers(t testing.TB) []config.User {
	t.Helper()
	hash := func(p string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	return []config.User{
		{Name: "admin", Password: hash("admin-pass")},
		{Name: "viewer", Password: hash("viewer-pass"), ReadOnly: true},
	}
}

func TestAuth(t *testing.T) {
	reg := prometheus.NewRegistry()
	b := newTestBackend(t)
	m, c := start(t, b, Options{Users: testUsers(t), Gatherer: reg})
	tests := []struct {
		name   string
		user   *url.Userinfo
		path   string
		status int
	}{
		{"no credentials", nil, DefaultPath, 401},
		{"wrong password", url.UserPassword("admin", "nope"), DefaultPath, 401},
		{"unknown user", url.UserPassword("mallory", "admin-pass"), DefaultPath, 401},
		{"empty password", url.UserPassword("admin", ""), DefaultPath, 401},
		{"right", url.UserPassword("admin", "admin-pass"), DefaultPath, 200},
		{"right again (cached)", url.UserPassword("admin", "admin-pass"), DefaultPath, 200},
		{"api without credentials", nil, DefaultPath + "/api/balancers", 401},
		{"api", url.UserPassword("viewer", "viewer-pass"), DefaultPath + "/api/balancers", 200},
		{"healthz needs none", nil, "/healthz", 200},
		{"metrics need none", nil, "/metrics", 200},
		{"assets need none", nil, DefaultPath + "/static/style.css", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.user = tc.user
			r := c.get(tc.path)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			if r.status == 401 {
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), `Basic realm="balancer-manager"`) {
					t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
				}
				if strings.Contains(r.body, "admin-pass") {
					t.Error("the password is echoed")
				}
			}
		})
	}
	// With credentials, an API edit needs no nonce (a browser cannot send
	// application/json cross-site without a preflight).
	c.user = url.UserPassword("admin", "admin-pass")
	r := c.postJSON(DefaultPath+"/api/balancers/shop/members/node2", `{"loadfactor": 3}`)
	if r.status != 200 {
		t.Fatalf("API edit with credentials: %d %s", r.status, r.body)
	}
	// Credentials do not replace the page nonce for forms.
	r = c.postForm(memberForm(func(v url.Values) { v.Set("loadfactor", "9") }))
	if r.status != http.StatusForbidden {
		t.Errorf("form without nonce: %d", r.status)
	}
	c.user = url.UserPassword("admin", "wrong")
	r = c.postJSON(DefaultPath+"/api/balancers/shop/members/node2", `{"loadfactor": 4}`, NonceHeader+": "+m.csrf.apiNonce())
	if r.status != 401 || !strings.Contains(r.body, `"error"`) {
		t.Errorf("API with wrong credentials: %d %s", r.status, r.body)
	}
	if got := b.member(t, node2).LoadFactor; got != 3 {
		t.Errorf("loadfactor %v, want 3", got)
	}
}

func TestBadUsers(t *testing.T) {
	good := testUsers(t)[0]
	tests := []struct {
		name  string
		users []config.User
		says  string
	}{
		{"plain password", []config.User{{Name: "a", Password: "secret"}}, "bcrypt"},
		{"duplicate", []config.User{good, good}, "duplicate"},
		{"no name", []config.User{{Password: good.Password}}, "name is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(newTestBackend(t), Options{Users: tc.users})
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %v, want one saying %q", err, tc.says)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Error("the error shows the password")
			}
		})
	}
}
