package proxy

import (
	"bufio"
	"fmt"
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
	_, base := startProxy(t, oneMember, m)
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

// TestExpectRefusedBeforeContinue: a request the balancer refuses on its
// head alone gets its refusal instead of "100 Continue", so its client
// never sends the body: an oversized Content-Length (413, as nginx), no
// route (404), a target it refuses (400). The refusal is the balancer's
// own answer, counted as any refusal, and its connection is closed (the
// client may send its body once its wait for the 100 ends). What the head
// does not settle still gets its 100.
func TestExpectRefusedBeforeContinue(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	p, base := startProxy(t, `
listen: "127.0.0.1:0"
limits:
  maxbodysize: 1MiB
balancers:
  - name: c
    members:
      - url: {{m0}}
        route: node1
routes:
  - path: /app
    balancer: c
  - path: /app/small
    balancer: c
    maxbodysize: 1KiB
`, m)
	addr := strings.TrimPrefix(base, "http://")
	cases := []struct {
		name, target string
		length       int
		status       int // 100: continued
	}{
		{"over the route's limit", "/app/small/up", 1025, 413},
		{"over the global limit", "/app/up", 2 << 20, 413},
		{"no route", "/nowhere", 10, 404},
		{"encoded dot-segment", "/app/..%2fadmin", 10, 400},
		{"at the route's limit", "/app/small/up", 1024, 100},
		{"within the global limit", "/app/up", 10, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m.Reset()
			before := p.protocols[1].Load()
			refused := p.Snapshot().Balancer("c").st.refused.codes[4].Load()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprintf(c, "PUT %s HTTP/1.1\r\nHost: front\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", tc.target, tc.length)
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("answer to the head %d %q, want %d", resp.StatusCode, got, tc.status)
			}
			if tc.status == http.StatusContinue {
				if _, err := c.Write(make([]byte, tc.length)); err != nil {
					t.Fatal(err)
				}
				if resp, err = http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
					t.Fatalf("after the body: %v %v, want 200", status(resp), err)
				}
				return
			}
			if !strings.HasPrefix(string(got), fmt.Sprint(tc.status)+" ") || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("the refusal is not the balancer's own: %q, Cache-Control %q", got, resp.Header.Get("Cache-Control"))
			}
			if !resp.Close {
				t.Error("the connection stays open: the client may send its body after its wait")
			}
			if n := m.Count(); n != 0 {
				t.Errorf("the member saw %d requests", n)
			}
			if n := p.protocols[1].Load() - before; n != 1 {
				t.Errorf("HTTP/1.1 requests counted %d, want 1", n)
			}
			if n := p.Snapshot().Balancer("c").st.refused.codes[4].Load() - refused; tc.status == 413 && n != 1 {
				t.Errorf("the balancer's refusals (4xx) counted %d, want 1", n)
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
