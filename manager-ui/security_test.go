package managerui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// Every refused form leaves the configuration untouched and says why in
// words.
func TestFormCSRF(t *testing.T) {
	other, err := New(newTestBackend(t), Options{}) // another process: another key
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		nonce   func(c *client) string
		ctype   string
		headers []string
		fresh   bool // send from a browser without the page's cookie
		status  int
		says    string
	}{
		{"valid", func(c *client) string { return c.nonce() }, "", nil, false, http.StatusSeeOther, ""},
		{"no nonce", func(c *client) string { c.nonce(); return "" }, "", nil, false, http.StatusForbidden, "Reload the page"},
		{"stale nonce from another process", func(c *client) string {
			c.nonce()
			return other.csrf.nonce(viewerCookieOf(t, c))
		}, "", nil, false, http.StatusForbidden, "out of date"},
		{"nonce of another viewer", func(c *client) string { return c.nonce() }, "", nil, true, http.StatusForbidden, "out of date"},
		{"API nonce is not a page nonce", func(c *client) string { c.nonce(); return c.m.csrf.apiNonce() }, "", nil, false, http.StatusForbidden, "out of date"},
		{"foreign Origin", func(c *client) string { return c.nonce() }, "", []string{"Origin: http://evil.example"}, false, http.StatusForbidden, "another site"},
		{"null Origin", func(c *client) string { return c.nonce() }, "", []string{"Origin: null"}, false, http.StatusForbidden, "another site"},
		{"foreign Referer", func(c *client) string { return c.nonce() }, "", []string{"Referer: http://evil.example/page"}, false, http.StatusForbidden, "another site"},
		{"cross-site fetch", func(c *client) string { return c.nonce() }, "", []string{"Sec-Fetch-Site: cross-site"}, false, http.StatusForbidden, "another site"},
		{"same Origin", func(c *client) string { return c.nonce() }, "", []string{"Origin: SAME"}, false, http.StatusSeeOther, ""},
		{"same Referer", func(c *client) string { return c.nonce() }, "", []string{"Referer: SAME/balancer-manager"}, false, http.StatusSeeOther, ""},
		{"not a form", func(c *client) string { return c.nonce() }, "text/plain", nil, false, http.StatusUnsupportedMediaType, "x-www-form-urlencoded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newTestBackend(t)
			_, c := start(t, b, Options{})
			n := tc.nonce(c)
			if tc.fresh {
				c = newClient(t, c.base)
			}
			v := memberForm(func(v url.Values) {
				v.Set("nonce", n)
				v.Set("loadfactor", "7")
			})
			ct := "application/x-www-form-urlencoded"
			if tc.ctype != "" {
				ct = tc.ctype
			}
			var hs []string
			for _, h := range tc.headers {
				hs = append(hs, strings.ReplaceAll(h, "SAME", c.base))
			}
			r := c.do(http.MethodPost, DefaultPath, ct, v.Encode(), hs...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.body)
			}
			if !strings.Contains(r.body, tc.says) {
				t.Errorf("body does not say %q:\n%s", tc.says, r.body)
			}
			want := 1.0
			if tc.status == http.StatusSeeOther {
				want = 7
			}
			if got := b.member(t, node1).LoadFactor; got != want {
				t.Errorf("loadfactor %v, want %v", got, want)
			}
		})
	}
}

// viewerCookieOf returns the viewer cookie the client holds.
func viewerCookieOf(t *testing.T, c *client) string {
	u, _ := url.Parse(c.base + DefaultPath)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == csrfCookie {
			return ck.Value
		}
	}
	t.Fatal("no viewer cookie")
	return ""
}

func TestViewerCookie(t *testing.T) {
	_, c := start(t, newTestBackend(t), Options{})
	r := c.get(DefaultPath)
	sc := r.header.Get("Set-Cookie")
	for _, want := range []string{csrfCookie + "=", "HttpOnly", "SameSite=Strict", "path=/balancer-manager"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	// The cookie, once set, is kept: the nonce stays the same.
	if a, b := c.nonce(), c.nonce(); a != b {
		t.Errorf("nonce changed between loads: %q, %q", a, b)
	}
	if c.get(DefaultPath).header.Get("Set-Cookie") != "" {
		t.Error("cookie issued again")
	}
}

func TestSecurityHeaders(t *testing.T) {
	reg := prometheus.NewRegistry()
	_, open := start(t, newTestBackend(t), Options{Gatherer: reg})
	_, locked := start(t, newTestBackend(t), Options{Users: testUsers(t), Pprof: true})
	tests := []struct {
		name   string
		c      *client
		method string
		path   string
		status int
	}{
		{"page", open, "GET", DefaultPath, 200},
		{"page with slash", open, "GET", DefaultPath + "/", 200},
		{"stylesheet", open, "GET", DefaultPath + "/static/style.css", 200},
		{"script", open, "GET", DefaultPath + "/static/app.js", 200},
		{"template is not an asset", open, "GET", DefaultPath + "/static/page.html", 404},
		{"api", open, "GET", DefaultPath + "/api/balancers", 200},
		{"api 404", open, "GET", DefaultPath + "/api/nothing", 404},
		{"metrics", open, "GET", "/metrics", 200},
		{"healthz", open, "GET", "/healthz", 200},
		{"not found", open, "GET", "/elsewhere", 404},
		{"form refused", open, "POST", DefaultPath, 415},
		{"unauthenticated page", locked, "GET", DefaultPath, 401},
		{"unauthenticated api", locked, "GET", DefaultPath + "/api/balancers", 401},
		{"unauthenticated pprof", locked, "GET", "/debug/pprof/", 401},
		{"put", open, "PUT", DefaultPath, 405},
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.c.do(tc.method, tc.path, "", "")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			for k, v := range want {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

// Route names, URLs, errors and balancer names are user data: the page
// escapes them wherever they appear, the JSON too.
func TestEscaping(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	b := newTestBackend(t)
	b.mangle = func(bs []Balancer) {
		bs[0].Name = "shop" + evil
		bs[0].Paths = []string{"/" + evil}
		bs[0].StickySession = evil
		m := &bs[0].Members[0]
		m.Route = `"><img src=x onerror=alert(1)>` + evil
		m.URL = `http://127.0.0.1:8101/"` + evil
		m.Redirect = evil
		m.LastError = evil
		m.Health = Health{State: "failed", Error: evil}
		bs[0].Members[1].Status = []string{evil}
	}
	b.info.Store = evil
	b.info.Version = evil
	_, c := start(t, b, Options{})
	page := c.get(DefaultPath).body
	for _, bad := range []string{"<script>alert", "<img src=x", `"><img`} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("escaped text missing: the hostile strings were dropped rather than shown")
	}
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d <script elements, want only app.js", n)
	}
	api := c.get(DefaultPath + "/api/balancers").body
	if strings.Contains(api, "<script>") {
		t.Error("API JSON carries raw <script>")
	}
}

func TestReadOnly(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		user string // "" = no credentials
	}{
		{"manager.readonly", Options{ReadOnly: true}, ""},
		{"read-only user", Options{}, "viewer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBackend(t)
			if tc.user != "" {
				tc.o.Users = testUsers(t)
			}
			m, c := start(t, b, tc.o)
			if tc.user != "" {
				c.user = url.UserPassword(tc.user, "viewer-pass")
			}
			page := c.get(DefaultPath)
			if page.status != 200 {
				t.Fatalf("page status %d", page.status)
			}
			if strings.Contains(page.body, "<form") || strings.Contains(page.body, `name="nonce"`) {
				t.Error("read-only page has forms")
			}
			if !strings.Contains(page.body, "Read-only") {
				t.Error("page does not say it is read-only")
			}
			// Even with a valid nonce (as if from an editable page) the edit is refused.
			r := c.postForm(url.Values{"nonce": {m.csrf.nonce("x")}, "action": {"member"}, "balancer": {"shop"}, "member": {node1}, "loadfactor": {"9"}})
			if r.status != http.StatusForbidden {
				t.Errorf("form: status %d, want 403", r.status)
			}
			r = c.postJSON(DefaultPath+"/api/balancers/shop/members/node1", `{"loadfactor":9}`, NonceHeader+": "+m.csrf.apiNonce())
			if r.status != http.StatusForbidden || !strings.Contains(r.body, `"error"`) {
				t.Errorf("API: status %d body %s, want 403 JSON", r.status, r.body)
			}
			if b.edits() != 0 {
				t.Error("an edit went through")
			}
		})
	}
}
