package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"slices"
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
	// fasthttp waits for CRLFCRLF: alone, a bare-LF head never completes
	// and is refused when readheadertimeout ends; it never reaches a
	// member.
	{"bare LF lines", "GET / HTTP/1.1\nHost: x\n\n", 400},
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
	// A head that never ends is closed after readheadertimeout.
	yml := `
limits:
  readheadertimeout: 300ms
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
// refuse them, and one it refuses. The balancer re-frames every body it
// forwards (a Content-Length it computed), so none of them can smuggle a
// second request: the member receives exactly one request with the
// decoded body, and the next request on the client's connection is the
// next one it receives.
var laxChunks = []struct {
	name   string
	raw    string
	status int
	// member is the request the member must receive, "" for none.
	member string
}{
	{"space after the chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", 200, laxForwarded},
	{"control byte in a chunk extension", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01=b\r\nhello\r\n0\r\n\r\n", 200, laxForwarded},
	{"chunk data without its CRLF", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400, ""},
}

// laxForwarded is the one request a lax chunked POST of "hello" becomes.
// It has no Content-Type, as the client sent none.
const laxForwarded = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n" +
	"X-Forwarded-Proto: http\r\nX-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Host: x\r\n\r\nhello"

func TestLaxChunksAreReframed(t *testing.T) {
	m := testutil.StartRawMember(t, testutil.ReadsAll)
	_, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: "+m.URL+"\nroutes:\n  - path: /\n    balancer: c\n")
	addr := strings.TrimPrefix(base, "http://")
	const follow = "GET /follow HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, c := range laxChunks {
		t.Run(c.name, func(t *testing.T) {
			m.Reset()
			res := testutil.RawExchange(addr, [][]byte{[]byte(c.raw)}, 0, follow)
			if res.Status != c.status {
				t.Fatalf("status %d (%v), want %d", res.Status, res.Err, c.status)
			}
			// Everything the member could receive from this connection it
			// has received by now: the follow-up was answered after it, or
			// the connection was closed.
			got := m.Requests()
			if c.member == "" {
				if !res.Closed {
					t.Errorf("connection kept open after a refused body (follow-up got %d)", res.FollowStatus)
				}
				for _, r := range got {
					t.Errorf("the member received %q", r.Raw)
				}
				return
			}
			if res.FollowStatus != 200 {
				t.Errorf("the next request on the connection got %d (closed %v, %v)", res.FollowStatus, res.Closed, res.Err)
			}
			if len(got) != 2 || got[1].URI != "/follow" {
				t.Fatalf("the member received %d requests, want the POST then /follow:\n%s", len(got), raws(got))
			}
			if why := sameRequest(got[0].Raw, c.member); why != "" {
				t.Errorf("the member received\n%q\nwant\n%q\n(%s)", got[0].Raw, c.member, why)
			}
		})
	}
}

// sameRequest compares a request as received with want byte for byte:
// request line, each header line, body; header lines may come in any
// order (it is not a contract). It says how they differ, "" if not.
func sameRequest(got []byte, want string) string {
	gh, gb, ok := strings.Cut(string(got), "\r\n\r\n")
	if !ok {
		return "no end of head"
	}
	wh, wb, _ := strings.Cut(want, "\r\n\r\n")
	gl, wl := strings.Split(gh, "\r\n"), strings.Split(wh, "\r\n")
	if gl[0] != wl[0] {
		return fmt.Sprintf("request line %q, want %q", gl[0], wl[0])
	}
	slices.Sort(gl[1:])
	slices.Sort(wl[1:])
	if !slices.Equal(gl[1:], wl[1:]) {
		return fmt.Sprintf("header lines %q, want %q", gl[1:], wl[1:])
	}
	if gb != wb {
		return fmt.Sprintf("body %q, want %q", gb, wb)
	}
	return ""
}

func raws(rs []testutil.RawRequest) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %q\n", r.Raw)
	}
	return b.String()
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
	if isTimeoutErr(err) {
		t.Fatalf("neither answered nor closed in 3s: %v", err)
	}
	if err != nil {
		return 0 // closed without an answer
	}
	resp.Body.Close()
	return resp.StatusCode
}
