package proxy

import (
	"io"
	"net/http"
	"testing"

	"balancer/internal/testutil"
)

// TestResponseTypeAsTheMemberSentIt: a member's answer without a
// Content-Type reaches the client without one, over HTTP/1.1 and HTTP/2
// (neither fasthttp's default "text/plain; charset=utf-8" nor a type Go's
// HTTP/2 server sniffs from the body: the browser sniffs, as the member
// meant), and a member's own type is kept.
func TestResponseTypeAsTheMemberSentIt(t *testing.T) {
	answers := map[string]string{
		"/untyped": "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n<html>hi</html>",
		"/empty":   "HTTP/1.1 204 No Content\r\n\r\n",
		"/typed":   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	}
	m := testutil.StartScripted(t, func(c *testutil.ScriptConn) {
		for {
			r, err := c.ReadRequest()
			if err != nil {
				return
			}
			c.Write(answers[r.URI])
		}
	})
	e := startH2(t, "balancers:\n  - name: c\n    members:\n      - {url: \""+m.URL+"\", route: node1}\nroutes:\n  - {path: /, balancer: c}\n")
	clients := []struct {
		name string
		c    *http.Client
		base string
	}{{"HTTP/1.1", e.h1, e.tlsURL}, {"h2", e.tls, e.tlsURL}, {"h2c", e.h2c, e.h2cURL}}
	for _, cl := range clients {
		for _, tc := range []struct{ path, want string }{{"/untyped", ""}, {"/empty", ""}, {"/typed", "application/json"}} {
			resp, err := cl.c.Get(cl.base + tc.path)
			if err != nil {
				t.Fatalf("%s %s: %v", cl.name, tc.path, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got := resp.Header.Values("Content-Type"); (tc.want == "" && len(got) != 0) || (tc.want != "" && (len(got) != 1 || got[0] != tc.want)) {
				t.Errorf("%s %s (%s): Content-Type %q, want %q", cl.name, tc.path, resp.Proto, got, tc.want)
			}
		}
	}
}
