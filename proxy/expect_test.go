package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/internal/testutil"
)

// TestExpectContinue: the Expect field answered as httpd answers it. A
// 100-continue expectation in any case gets "100 Continue" before the
// client sends its body; an HTTP/1.0 client's is ignored (no 1xx to it,
// it sends its body at once); any other expectation is a 417 from the
// balancer, which the member never sees.
func TestExpectContinue(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	_, base := startProxy(t, `
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
	addr := strings.TrimPrefix(base, "http://")
	const body = "0123456789"
	cases := []struct {
		name, proto, expect string
		// continued: a 100 Continue comes before the body is sent;
		// otherwise the body goes with the head.
		continued bool
		status    int
		// memberExpect is the Expect the member sees ("-": no request).
		memberExpect string
	}{
		{"100-continue", "HTTP/1.1", "100-continue", true, 200, "100-continue"},
		{"another case", "HTTP/1.1", "100-Continue", true, 200, "100-continue"},
		{"HTTP/1.0 ignored", "HTTP/1.0", "100-continue", false, 200, ""},
		{"HTTP/1.0 another case ignored", "HTTP/1.0", "100-CONTINUE", false, 200, ""},
		{"empty", "HTTP/1.1", "", false, 200, ""},
		{"unknown", "HTTP/1.1", "fly", false, 417, "-"},
		{"unknown beside 100-continue", "HTTP/1.1", "100-continue, fly", false, 417, "-"},
		{"HTTP/1.0 unknown", "HTTP/1.0", "fly", false, 417, "-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m.Reset()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			head := "POST /up " + tc.proto + "\r\nHost: front\r\nContent-Length: 10\r\nExpect: " + tc.expect + "\r\n\r\n"
			if !tc.continued {
				head += body
			}
			if _, err := io.WriteString(c, head); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			if tc.continued {
				resp, err := http.ReadResponse(br, nil)
				if err != nil || resp.StatusCode != http.StatusContinue {
					t.Fatalf("before the body: %v %v, want 100 Continue", status(resp), err)
				}
				if _, err := io.WriteString(c, body); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (a 1xx to an HTTP/1.0 client, or a refusal missing)", resp.StatusCode, tc.status)
			}
			seen := m.Seen()
			if tc.memberExpect == "-" {
				if len(seen) != 0 {
					t.Fatalf("the member saw %d requests, want none", len(seen))
				}
				if !resp.Close {
					t.Error("a refused expectation keeps the connection open; the client may be sending its body")
				}
				return
			}
			if len(seen) != 1 || string(seen[0].Body) != body {
				t.Fatalf("the member saw %d requests (%+v), want one with the body", len(seen), seen)
			}
			if got := seen[0].Header.Get("Expect"); got != tc.memberExpect {
				t.Errorf("the member saw Expect %q, want %q", got, tc.memberExpect)
			}
		})
	}
}

func status(r *http.Response) string {
	if r == nil {
		return "no response"
	}
	return r.Status
}

// BenchmarkSettleExpectation is what every request head pays for it: a
// lookup of Expect among the sticky scenario's headers, none there.
func BenchmarkSettleExpectation(b *testing.B) {
	var h fasthttp.RequestHeader
	raw := "GET /app/page HTTP/1.1\r\nHost: front\r\nUser-Agent: wrk\r\nAccept: */*\r\nCookie: JSESSIONID=abc.node2\r\n\r\n"
	if err := h.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		settleExpectation(&h)
	}
}
