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

// TestSlowBodies: the head has readheadertimeout, the body its own
// per-read timeout and httpd's MinRate allowance, and the member's
// timeout bounds each write to it: a slow but live upload of any length
// goes through; one that stalls, or falls below the minimum rate, gets
// 408 and never puts the member in error.
func TestSlowBodies(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	p, base := startProxy(t, `
listen: "127.0.0.1:0"
limits:
  readheadertimeout: 200ms
  bodytimeout: 500ms
  bodyminrate: 1KiB
balancers:
  - name: c
    retrybuffer: 256
    members:
      - url: {{m0}}
        route: node1
        timeout: 300ms
routes: [{path: /, balancer: c}]
`, m)
	for _, c := range []struct {
		name    string
		size    int
		pieces  int
		gap     time.Duration
		chunked bool
		want    int
	}{
		// 3 KiB over 1.5 s: 2 KiB/s, above the minimum rate, each gap
		// under bodytimeout, the whole far over readheadertimeout and the
		// member's timeout.
		{"live upload, Content-Length", 3 << 10, 15, 100 * time.Millisecond, false, 200},
		{"live upload, chunked", 3 << 10, 15, 100 * time.Millisecond, true, 200},
		// A gap longer than bodytimeout.
		{"stall, Content-Length", 3 << 10, 3, 800 * time.Millisecond, false, 408},
		{"stall, chunked", 3 << 10, 3, 800 * time.Millisecond, true, 408},
		// 256 B/s: every gap is short, the rate too low.
		{"below the minimum rate", 2 << 10, 40, 200 * time.Millisecond, false, 408},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := "/" + strings.ReplaceAll(c.name, " ", "-")
			conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			body := strings.Repeat("b", c.size)
			head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", path, c.size)
			if c.chunked {
				head = fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", path)
			}
			go func() {
				conn.Write([]byte(head))
				step := c.size / c.pieces
				for i := 0; i < c.pieces; i++ {
					piece := body[i*step : (i+1)*step]
					if i == c.pieces-1 {
						piece = body[i*step:]
					}
					if c.chunked {
						piece = fmt.Sprintf("%x\r\n%s\r\n", len(piece), piece)
					}
					if _, err := conn.Write([]byte(piece)); err != nil {
						return
					}
					time.Sleep(c.gap) // pacing: the slow client is under test, nothing waits on it
				}
				if c.chunked {
					conn.Write([]byte("0\r\n\r\n"))
				}
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.want)
			}
			var got int
			for _, s := range m.Seen() {
				if s.URI == path {
					got = len(s.Body)
				}
			}
			if c.want == 200 && got != c.size {
				t.Fatalf("member got %d bytes, want %d", got, c.size)
			}
			if c.want != 200 && !resp.Close {
				t.Fatal("connection kept open after a body that was not read to its end")
			}
		})
	}
	mem := p.Snapshot().Balancers[0].Members()[0]
	if mem.st.errors.Load() != 0 || !mem.Usable() {
		t.Fatalf("slow clients put the member in error (errors=%d)", mem.st.errors.Load())
	}
}
