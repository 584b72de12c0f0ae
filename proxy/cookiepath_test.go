package proxy

import (
	"testing"

	"github.com/valyala/fasthttp"
)

func TestReverseCookiePaths(t *testing.T) {
	rt := &route{path: "/shop"}
	m := &Member{path: "/app"}
	h := &fasthttp.ResponseHeader{}
	in := []string{
		"JSESSIONID=abc.node1; Path=/app; HttpOnly; SameSite=Lax",
		"JSESSIONID=; Path=/app/cart; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
		"other=1; path = /app ; Secure",
		"kept=1; Path=/elsewhere; Max-Age=60",
		"nopath=1; Domain=example.com",
	}
	want := []string{
		"JSESSIONID=abc.node1; Path=/shop; HttpOnly; SameSite=Lax",
		"JSESSIONID=; Path=/shop/cart; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
		"other=1; path = /shop ; Secure",
		"kept=1; Path=/elsewhere; Max-Age=60",
		"nopath=1; Domain=example.com",
	}
	for _, v := range in {
		h.Add(fasthttp.HeaderSetCookie, v)
	}
	reverseCookiePaths(h, rt, m, &request{})
	var got []string
	for _, v := range h.Cookies() {
		got = append(got, string(v))
	}
	if len(got) != len(want) {
		t.Fatalf("got %d cookies %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cookie %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
