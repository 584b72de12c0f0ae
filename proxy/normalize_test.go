package proxy

import (
	"testing"

	"balancer/internal/testutil"
)

func TestNormalizeTarget(t *testing.T) {
	for _, c := range []struct {
		in, out string
		status  int
	}{
		{"/shop/cart", "/shop/cart", 0},
		{"/%73hop/cart", "/shop/cart", 0},
		{"/shop/%7Euser", "/shop/~user", 0},
		{"/shop/a%20b", "/shop/a%20b", 0},
		{"/shop/a%3cb", "/shop/a%3Cb", 0},
		{"/shop/a%2fb", "", 404},
		{"/shop/a%2Fb", "", 404},
		{"/shop/a%5cb", "", 404},
		{"/shop/a%zzb", "", 400},
		{"/shop/a%2", "", 400},
		{"/shop?q=%2f%73", "/shop?q=%2f%73", 0},
		{"/shop;jsessionid=a.n1?x=%41", "/shop;jsessionid=a.n1?x=%41", 0},
		{"/sh%6Fp;jsessionid=a.n1", "/shop;jsessionid=a.n1", 0},
	} {
		out, status, _ := normalizeTarget([]byte(c.in), nil)
		if status != c.status || (status == 0 && string(out) != c.out) {
			t.Errorf("normalizeTarget(%q) = %q, %d; want %q, %d", c.in, out, status, c.out, c.status)
		}
	}
}

func TestCheckTargetEncodedDotSegments(t *testing.T) {
	for _, c := range []struct {
		in  string
		bad bool
	}{
		{"/shop/..%2fadmin", true},
		{"/shop/..%2Fadmin", true},
		{"/shop/%2e%2e/admin", true},
		{"/shop/%2E./admin", true},
		{"/shop/.%2e", true},
		{"/shop/a%2f..%2fb", true},
		{"/shop/..;x=1/b", true},
		{"/shop/..%5cadmin", true},
		{"/shop/...", false},
		{"/shop/a..b", false},
		{"/shop/..a", false},
		{"/shop?x=/../", false},
	} {
		if got := checkTarget([]byte(c.in)) != ""; got != c.bad {
			t.Errorf("checkTarget(%q) refused=%v, want %v", c.in, got, c.bad)
		}
	}
}

// TestRoutesMatchTheDecodedPath: "/%73hop" takes the /shop route, as in
// httpd, and the member receives the decoded path; an encoded slash never
// reaches a member.
func TestRoutesMatchTheDecodedPath(t *testing.T) {
	shop, other := testutil.StartMember(t, "shop"), testutil.StartMember(t, "other")
	_, base := startProxy(t, `
listen: "127.0.0.1:0"
balancers:
  - name: shop
    members: [{url: "{{m0}}/app"}]
  - name: other
    members: [{url: "{{m1}}"}]
routes:
  - {path: /shop, balancer: shop}
  - {path: /, balancer: other}
`, shop, other)
	for _, c := range []struct {
		target, route, uri string
		status             int
	}{
		{"/%73hop/cart", "shop", "/app/cart", 200},
		{"/shop/%63art?x=%2f", "shop", "/app/cart?x=%2f", 200},
		{"/shop/..%2fadmin", "", "", 400},
		{"/shop/a%2fb", "", "", 404},
		{"/%73hopping", "other", "/shopping", 200},
	} {
		status, _, raw := getRaw(t, base, c.target)
		if status != c.status {
			t.Fatalf("%s: status %d, want %d\n%s", c.target, status, c.status, raw)
		}
		if c.route == "" {
			continue
		}
		m := map[string]*testutil.Member{"shop": shop, "other": other}[c.route]
		if got := lastSeen(t, m).URI; got != c.uri {
			t.Errorf("%s: member %s got %q, want %q", c.target, c.route, got, c.uri)
		}
	}
	for _, m := range []*testutil.Member{shop, other} {
		for _, s := range m.Seen() {
			if s.URI == "/admin" || s.URI == "/app/../admin" {
				t.Fatalf("an escaping path reached a member: %q", s.URI)
			}
		}
	}
}
