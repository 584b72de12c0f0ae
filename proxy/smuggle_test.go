package proxy

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"balancer/internal/testutil"
)

// smuggleYAML: route /shop to a working member (maxbodysize 4KiB on
// /shop/small), route /down to a balancer whose only member is disabled
// (503), nothing on /nowhere (404). The global limit is 64KiB.
const smuggleYAML = `
listen: "127.0.0.1:0"
limits:
  readheadertimeout: 1s
  bodytimeout: 1s
  maxbodysize: 64KiB
balancers:
  - name: c
    retrybuffer: 1KiB
    members:
      - url: {{m0}}
        route: node1
  - name: down
    members:
      - url: {{m0}}
        route: node1
        status: [disabled]
routes:
  - path: /shop
    balancer: c
  - path: /shop/small
    balancer: c
    maxbodysize: 4KiB
  - path: /down
    balancer: down
`

// refusals are requests the balancer answers by itself, each with a body
// that carries requests for /shop/smuggled. The body's bytes must never
// be read as a request: the connection is closed after the answer, or,
// when the balancer drained the whole body first, the next request on the
// connection gets its own answer.
var refusals = []struct {
	name   string
	head   string // request line and headers up to the framing header
	status int
	// chunkedOnly: the refusal needs chunked framing (a broken chunk);
	// clOnly: it needs Content-Length.
	chunkedOnly, clOnly bool
	// brokenChunk appends a malformed chunk after the body's first chunk.
	brokenChunk bool
	// underLimit: only bodies within maxbodysize (above it, a 413 comes
	// first).
	underLimit bool
	// minSize: only bodies larger than this.
	minSize int
}{
	{name: "404 no route", head: "POST /nowhere HTTP/1.1\r\nHost: x\r\n", status: 404},
	{name: "413 route limit", head: "POST /shop/small/x HTTP/1.1\r\nHost: x\r\n", status: 413, minSize: 4 << 10},
	{name: "400 dot-segment", head: "POST /shop/../shop/x HTTP/1.1\r\nHost: x\r\n", status: 400},
	{name: "400 encoded dot-segment", head: "POST /shop/..%2fadmin HTTP/1.1\r\nHost: x\r\n", status: 400},
	{name: "404 encoded slash", head: "POST /shop/a%2Fb HTTP/1.1\r\nHost: x\r\n", status: 404},
	{name: "501 unknown method", head: "BREW /shop/x HTTP/1.1\r\nHost: x\r\n", status: 501},
	// (chunked in a request that is not HTTP/1.1 is a 400 first)
	{name: "505 HTTP version", head: "POST /shop/x HTTP/1.2\r\nHost: x\r\n", status: 505, clOnly: true},
	{name: "503 no member", head: "POST /down/x HTTP/1.1\r\nHost: x\r\n", status: 503, underLimit: true},
	{name: "400 two Hosts", head: "POST /shop/x HTTP/1.1\r\nHost: x\r\nHost: y\r\n", status: 400},
	{name: "400 broken chunk", head: "POST /shop/x HTTP/1.1\r\nHost: x\r\n", status: 400, chunkedOnly: true, brokenChunk: true, underLimit: true},
}

// smuggleSizes: a small body, one past fasthttp's 8KiB read buffer (the
// original desync), one past the drain limit (64KiB).
var smuggleSizes = []int{100, 9 << 10, 80 << 10}

func smuggleRequest(head string, size int, chunked, broken bool) []byte {
	inner := "GET /shop/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	body := []byte(strings.Repeat(inner, size/len(inner)+1)[:size])
	var b bytes.Buffer
	b.WriteString(head)
	if !chunked {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
		b.Write(body)
		return b.Bytes()
	}
	b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	if broken {
		// One good chunk, then a chunk size that is not hex.
		fmt.Fprintf(&b, "%x\r\n%s\r\nzz\r\n%s\r\n0\r\n\r\n", len(body), body, inner)
		return b.Bytes()
	}
	for rest := body; len(rest) > 0; {
		k := min(len(rest), 4000)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", k, rest[:k])
		rest = rest[k:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

func TestNoSmugglingAfterARefusal(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	_, base := startProxy(t, smuggleYAML, m)
	addr := strings.TrimPrefix(base, "http://")
	const follow = "GET /shop/follow HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, c := range refusals {
		for _, chunked := range []bool{false, true} {
			if (c.chunkedOnly && !chunked) || (c.clOnly && chunked) {
				continue
			}
			for _, size := range smuggleSizes {
				if (c.underLimit && size > 64<<10) || size <= c.minSize {
					continue
				}
				name := fmt.Sprintf("%s/chunked=%v/%dB", c.name, chunked, size)
				t.Run(name, func(t *testing.T) {
					raw := smuggleRequest(c.head, size, chunked, c.brokenChunk)
					res := testutil.RawExchange(addr, [][]byte{raw}, 0, follow)
					if res.Status != c.status {
						t.Errorf("status %d (%v), want %d", res.Status, res.Err, c.status)
					}
					if !res.Closed && res.FollowStatus != 200 {
						t.Errorf("connection kept, but the next request on it got %d (%v)", res.FollowStatus, res.Err)
					}
					// A request on a new connection is served after whatever
					// the refused connection could have caused.
					if got := testutil.RawExchange(addr, [][]byte{[]byte("GET /shop/barrier HTTP/1.1\r\nHost: x\r\n\r\n")}, 0, ""); got.Status != 200 {
						t.Errorf("request on a new connection: %d (%v)", got.Status, got.Err)
					}
					for _, s := range m.Seen() {
						if strings.Contains(s.URI, "smuggled") {
							t.Fatalf("a request inside the body reached the member: %s %s", s.Method, s.URI)
						}
					}
				})
			}
		}
	}
}

// framedRefusals are corpus requests refused for their target, whose
// framing is clear: the balancer may keep their connection, and a request
// written after them is the next request (TestNoSmugglingAfterARefusal
// covers their bodies).
var framedRefusals = map[string]bool{
	"absolute-form target": true, "asterisk target": true, "dot-segments": true, "encoded dot-segments": true,
}

// TestHostileRequestsCloseTheConnection: after refusing a request whose
// framing or head is ambiguous, the balancer cannot know where the next
// request starts, so it closes the connection (validate.go says so): a
// request written after the hostile one never reaches a member, whatever
// the hostile request's framing let the balancer read of it.
func TestHostileRequestsCloseTheConnection(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	_, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: {{m0}}\nroutes:\n  - path: /\n    balancer: c\n  - path: /limited\n    balancer: c\n    maxbodysize: 1000\n", m)
	addr := strings.TrimPrefix(base, "http://")
	const after = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, h := range hostile {
		if framedRefusals[h.name] {
			continue
		}
		t.Run(h.name, func(t *testing.T) {
			m.Reset()
			// The follow-up orders the check below: a request the balancer
			// read after the hostile one would reach the member before the
			// client could read its answer as the follow-up's.
			res := testutil.RawExchange(addr, [][]byte{[]byte(h.raw + after)}, 0, "GET /follow HTTP/1.1\r\nHost: x\r\n\r\n")
			if res.Status != h.status {
				t.Errorf("status %d (%v), want %d", res.Status, res.Err, h.status)
			}
			if !res.CloseAnnounced || !res.Closed {
				t.Errorf("Connection: close announced %v, connection closed %v; want both", res.CloseAnnounced, res.Closed)
			}
			if got := testutil.RawExchange(addr, [][]byte{[]byte("GET /barrier HTTP/1.1\r\nHost: x\r\n\r\n")}, 0, ""); got.Status != 200 {
				t.Errorf("request on a new connection: %d", got.Status)
			}
			for _, s := range m.Seen() {
				if s.URI == "/smuggled" {
					t.Fatalf("the request written after it reached the member")
				}
			}
		})
	}
	// The classic CL.TE desync: a front end that frames by Content-Length
	// sends the request as one; read as chunked, its body ends early and
	// the rest would be the next request.
	t.Run("CL.TE with a request in the Content-Length body", func(t *testing.T) {
		m.Reset()
		inner := "0\r\n\r\n" + after
		raw := fmt.Sprintf("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%s", len(inner), inner)
		res := testutil.RawExchange(addr, [][]byte{[]byte(raw)}, 0, "GET /follow HTTP/1.1\r\nHost: x\r\n\r\n")
		if res.Status != 400 || !res.Closed {
			t.Errorf("status %d, connection closed %v; want 400 and closed", res.Status, res.Closed)
		}
		for _, s := range m.Seen() {
			if s.URI == "/smuggled" {
				t.Fatalf("the request inside the body reached the member")
			}
		}
	})
}
