package session

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// TestFastHTTP: the fasthttp adapter on a real fasthttp server: cookie,
// path parameter (removed from the path), take-over with re-issue.
func TestFastHTTP(t *testing.T) {
	st := NewMemoryStore()
	serve := func(worker string) string {
		m := newManager(t, st, Config{Worker: worker})
		h := m.FastHTTP(func(ctx *fasthttp.RequestCtx) {
			s := FromFastHTTP(ctx)
			var n int
			err := s.Update(ctx, func(s *Session) error {
				n = 0
				s.Get("n", &n)
				n++
				return s.Set("n", n)
			})
			if err != nil {
				ctx.Error(err.Error(), 503)
				return
			}
			ctx.WriteString(strconv.Itoa(n) + " " + string(ctx.Path()))
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &fasthttp.Server{Handler: h, ReadTimeout: 5 * time.Second}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Shutdown() })
		return "http://" + ln.Addr().String()
	}
	a, b := serve("a"), serve("b")
	client := &fasthttp.Client{}
	get := func(url, cookie string) (body, setCookie string) {
		t.Helper()
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(url)
		if cookie != "" {
			req.Header.SetCookie("JSESSIONID", cookie)
		}
		if err := client.DoTimeout(req, resp, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if raw := resp.Header.PeekCookie("JSESSIONID"); len(raw) > 0 {
			c := &fasthttp.Cookie{}
			if err := c.ParseBytes(raw); err != nil || !c.HTTPOnly() || c.SameSite() != fasthttp.CookieSameSiteLaxMode {
				t.Errorf("cookie %s: %v", raw, err)
			}
			setCookie = string(c.Value())
		}
		return string(resp.Body()), setCookie
	}
	body, full := get(a+"/x", "")
	if body != "1 /x" || !strings.HasSuffix(full, ".a") {
		t.Fatalf("first request: %q, cookie %q", body, full)
	}
	if body, c := get(a+"/x;jsessionid="+full+"/y", ""); body != "2 /x/y" || c != "" {
		t.Fatalf("path parameter: %q, cookie %q", body, c)
	}
	id, _ := splitID(full)
	if body, c := get(b+"/", full); body != "3 /" || c != id+".b" {
		t.Fatalf("take-over: %q, cookie %q", body, c)
	}
}
