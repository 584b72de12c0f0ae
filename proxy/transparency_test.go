package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

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

// TestRequestHeadAsTheClientSentIt: the member gets no Content-Type the
// client did not send (fasthttp adds its default to a request with a
// body) and no Content-Length on a request that had neither body nor
// framing (a GET); what the client sent, it gets.
func TestRequestHeadAsTheClientSentIt(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	_, base := startProxy(t, oneMember, m)
	cases := []struct {
		name, raw string
		// contentType and contentLength are what the member must see
		// ("" for none).
		contentType, contentLength string
	}{
		{"POST without a type", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "", "5"},
		{"chunked POST without a type", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "", "5"},
		{"POST with a type", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1", "application/x-www-form-urlencoded", "3"},
		{"GET", "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "", ""},
		{"GET with Content-Length: 0", "GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "", "0"},
		{"POST with Content-Length: 0", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "", "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m.Reset()
			res := testutil.RawExchange(base[len("http://"):], [][]byte{[]byte(tc.raw)}, 0, "")
			seen := m.Seen()
			if res.Status != 200 || len(seen) != 1 {
				t.Fatalf("status %d (%v), the member saw %d requests", res.Status, res.Err, len(seen))
			}
			h := seen[0].Header
			if got := h.Values("Content-Type"); (tc.contentType == "" && len(got) != 0) || (tc.contentType != "" && (len(got) != 1 || got[0] != tc.contentType)) {
				t.Errorf("the member saw Content-Type %q, want %q", got, tc.contentType)
			}
			if got := h.Values("Content-Length"); (tc.contentLength == "" && len(got) != 0) || (tc.contentLength != "" && (len(got) != 1 || got[0] != tc.contentLength)) {
				t.Errorf("the member saw Content-Length %q, want %q", got, tc.contentLength)
			}
		})
	}
}

// TestHTTP10MemberAnswersAsHTTP11: an HTTP/1.0 member's answer reaches an
// HTTP/1.1 client as the balancer's own HTTP/1.1 one (RFC 9110 §2.5), on a
// client connection that stays open, while the member's connection, which
// HTTP/1.0 closes, is not reused.
func TestHTTP10MemberAnswersAsHTTP11(t *testing.T) {
	m := testutil.StartScripted(t, func(c *testutil.ScriptConn) {
		if _, err := c.ReadRequest(); err == nil {
			c.Write("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")
		}
	})
	_, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: "+m.URL+"\nroutes:\n  - path: /\n    balancer: c\n")
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	for i := range 2 {
		if _, err := io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "hello" || resp.Proto != "HTTP/1.1" || resp.Close {
			t.Fatalf("request %d: %s %d %q, close %v; want HTTP/1.1 200 \"hello\" on a connection kept open", i, resp.Proto, resp.StatusCode, body, resp.Close)
		}
	}
}
