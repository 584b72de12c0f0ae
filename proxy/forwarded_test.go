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

// rawRequest sends raw on a new connection and returns the response.
func rawRequest(t *testing.T, base, raw string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func lastSeen(t *testing.T, m *testutil.Member) testutil.Seen {
	t.Helper()
	seen := m.Seen()
	if len(seen) == 0 {
		t.Fatal("the member received nothing")
	}
	return seen[len(seen)-1]
}

// TestForwardedHeadersCannotBeForged: whatever the client sends, the
// member sees one X-Forwarded-For (every client value in order, then the
// client address) and one X-Forwarded-Host and -Proto; with
// trustedproxies, values from a peer not listed are dropped.
func TestForwardedHeadersCannotBeForged(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	const yml = `
listen: "127.0.0.1:0"
%s
balancers:
  - name: c
    members:
      - url: {{m0}}
routes:
  - path: /
    balancer: c
`
	dup := "GET / HTTP/1.1\r\nHost: front.example\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2, 3.3.3.3\r\n" +
		"X-Forwarded-Host: evil.example\r\nX-Forwarded-Host: evil2.example\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Proto: https\r\n\r\n"
	single := "GET / HTTP/1.1\r\nHost: front.example\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-Host: cdn.example\r\nX-Forwarded-Proto: https\r\n\r\n"
	for _, c := range []struct {
		name, trusted, raw   string
		xff, xfHost, xfProto string
	}{
		{"duplicates, no trustedproxies", "", dup, "1.1.1.1, 2.2.2.2, 3.3.3.3, 127.0.0.1", "front.example", "http"},
		{"single, no trustedproxies", "", single, "1.1.1.1, 127.0.0.1", "front.example", "http"},
		{"duplicates, peer trusted", "trustedproxies: [127.0.0.0/8]", dup, "1.1.1.1, 2.2.2.2, 3.3.3.3, 127.0.0.1", "front.example", "http"},
		{"single, peer trusted", "trustedproxies: [127.0.0.1]", single, "1.1.1.1, 127.0.0.1", "cdn.example", "https"},
		{"single, peer not trusted", "trustedproxies: [10.0.0.0/8]", single, "127.0.0.1", "front.example", "http"},
		{"none sent", "", "GET / HTTP/1.1\r\nHost: front.example\r\n\r\n", "127.0.0.1", "front.example", "http"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, base := startProxy(t, fmt.Sprintf(yml, c.trusted), m)
			if resp := rawRequest(t, base, c.raw); resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			h := lastSeen(t, m).Header
			for name, want := range map[string]string{"X-Forwarded-For": c.xff, "X-Forwarded-Host": c.xfHost, "X-Forwarded-Proto": c.xfProto} {
				if got := h.Values(name); len(got) != 1 || got[0] != want {
					t.Errorf("%s: member saw %q, want exactly [%q]", name, got, want)
				}
			}
		})
	}
}

// TestHTTP10WithoutHost: an HTTP/1.0 request may leave Host out; the
// member gets its own host, the client its answer, and the member is not
// put in error.
func TestHTTP10WithoutHost(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	p, base := startProxy(t, `
listen: "127.0.0.1:0"
balancers:
  - name: c
    members:
      - url: {{m0}}
        route: node1
routes:
  - path: /
    balancer: c
`, m)
	for i := 0; i < 3; i++ {
		resp := rawRequest(t, base, "GET /x HTTP/1.0\r\n\r\n")
		if resp.StatusCode != 200 || resp.Header.Get("X-Route") != "node1" {
			t.Fatalf("status %d from %q", resp.StatusCode, resp.Header.Get("X-Route"))
		}
	}
	if host := lastSeen(t, m).Host; host != m.Addr {
		t.Fatalf("member saw Host %q, want its own %q", host, m.Addr)
	}
	mem := p.Snapshot().Balancers[0].Members()[0]
	if !mem.Usable() || mem.st.errors.Load() != 0 {
		t.Fatalf("member usable=%v errors=%d after HTTP/1.0 requests without Host", mem.Usable(), mem.st.errors.Load())
	}
}
