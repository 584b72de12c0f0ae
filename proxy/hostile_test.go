package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// hostile is a corpus of malformed and smuggling requests; each must get
// its status from the balancer itself and never reach a member.
var hostile = []struct {
	name   string
	raw    string
	status int
}{
	{"CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"TE and CL", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
	{"duplicate CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400},
	{"differing CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
	{"CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", 400},
	{"CL plus sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400},
	{"CL not a number", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5a\r\n\r\nhello", 400},
	{"CL empty", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 400},
	{"CL negative", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
	// fasthttp refuses transfer codings other than chunked itself, with 400.
	{"TE gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
	{"TE gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400},
	{"TE chunked, gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400},
	{"TE xchunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400},
	{"TE twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"TE with space before colon", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
	{"TE obs-folded", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400},
	{"obs-fold with tab", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n", 400},
	{"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
	{"tab before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A\t: b\r\n\r\n", 400},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400},
	{"CR in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400},
	{"DEL in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n", 400},
	// fasthttp waits for CRLFCRLF: a bare-LF head never completes and is
	// closed by readheadertimeout; it never reaches a member (status 0).
	{"bare LF lines", "GET / HTTP/1.1\nHost: x\n\n", 0},
	{"bad header name", "GET / HTTP/1.1\r\nHost: x\r\nX(A): b\r\n\r\n", 400},
	{"empty header name", "GET / HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n", 400},
	{"no colon", "GET / HTTP/1.1\r\nHost: x\r\nXA\r\n\r\n", 400},
	{"no Host", "GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400},
	{"two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400},
	{"bad Host", "GET / HTTP/1.1\r\nHost: x y\r\n\r\n", 400},
	{"invalid method", "G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"unknown method", "BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
	{"CONNECT", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 501},
	{"absolute-form target", "GET http://evil.example/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"asterisk target", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"CTL in target", "GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"fragment in target", "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"dot-segments", "GET /a/../b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"encoded dot-segments", "GET /a/%2e%2E/b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"backslash dot-segments", "GET /a\\..\\b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"request line too long", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
	{"header too large", "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("a", 20000) + "\r\n\r\n", 431},
	{"too many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: b\r\n", 150) + "\r\n", 431},
	{"HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505},
	{"bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400},
	{"chunk size overflow", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nhello\r\n0\r\n\r\n", 400},
	{"chunk data too long", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400},
	{"body over the route limit", "POST /limited HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("a", 2000), 413},
}

func TestHostileRequestsNeverReachMembers(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	yml := `
balancers:
  - name: c
    members:
      - url: {{m0}}
        route: node1
routes:
  - path: /
    balancer: c
  - path: /limited
    balancer: c
    maxbodysize: 1000
`
	_, base := startProxy(t, yml, m)
	addr := strings.TrimPrefix(base, "http://")
	if len(hostile) < 40 {
		t.Fatalf("corpus has %d requests", len(hostile))
	}
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			before := m.Count()
			status := sendRaw(t, addr, tc.raw)
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			if m.Count() != before {
				t.Errorf("the member received it: %+v", m.Seen()[len(m.Seen())-1])
			}
		})
	}
	// A well-formed request on the same balancer still works.
	if status := sendRaw(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); status != 200 {
		t.Fatalf("valid request: %d", status)
	}
}

// laxChunks are chunked bodies fasthttp decodes although RFC 9112 would
// refuse them. The balancer re-frames every body it forwards (a
// Content-Length it computed), so none of them can smuggle a second
// request: the member sees exactly one request with the decoded body.
var laxChunks = []string{
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01=b\r\nhello\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
}

func TestLaxChunksAreReframed(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	_, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: {{m0}}\nroutes:\n  - path: /\n    balancer: c\n", m)
	addr := strings.TrimPrefix(base, "http://")
	for _, raw := range laxChunks {
		m.Reset()
		sendRaw(t, addr, raw)
		time.Sleep(50 * time.Millisecond)
		for _, s := range m.Seen() {
			if s.URI != "/" || len(s.Body) > 5 || s.Header.Get("Transfer-Encoding") != "" {
				t.Errorf("member saw %+v", s)
			}
		}
		if m.Count() > 1 {
			t.Errorf("member saw %d requests from one", m.Count())
		}
	}
}

func sendRaw(t *testing.T, addr, raw string) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprint(c, raw)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
