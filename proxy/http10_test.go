package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// TestHTTP10ClientGetsALength: a member's body of unknown length (chunked,
// or ended by the member's close, as Tomcat and Jetty answer the HTTP/1.0
// request the balancer forwards) reaches an HTTP/1.0 client whole, with
// its Content-Length: fasthttp writes such a body chunked, which an
// HTTP/1.0 client cannot read (RFC 9112 §6.1). Over 1 MiB it is a 502
// rather than a body the client would misread. An HTTP/1.1 client still
// gets it streamed, chunked.
func TestHTTP10ClientGetsALength(t *testing.T) {
	small := strings.Repeat("x", 70000)
	big := strings.Repeat("y", http10Whole+1)
	chunked := func(b string) string {
		return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(b)), 16) + "\r\n" + b + "\r\n0\r\n\r\n"
	}
	m := testutil.StartScripted(t, func(c *testutil.ScriptConn) {
		for {
			r, err := c.ReadRequest()
			if err != nil {
				return
			}
			switch r.URI {
			case "/chunked":
				c.Write(chunked(small))
			case "/close":
				c.Write("HTTP/1.0 200 OK\r\n\r\n" + small)
				return
			case "/big":
				c.Write(chunked(big))
			}
		}
	})
	_, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: "+m.URL+"\nroutes:\n  - path: /\n    balancer: c\n")
	addr := strings.TrimPrefix(base, "http://")
	for _, tc := range []struct {
		path, proto string
		status      int
		body        string
		chunked     bool
	}{
		{"/chunked", "HTTP/1.0", 200, small, false},
		{"/close", "HTTP/1.0", 200, small, false},
		{"/big", "HTTP/1.0", 502, "", false},
		{"/chunked", "HTTP/1.1", 200, small, true},
	} {
		t.Run(tc.proto+tc.path, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(c, "GET %s %s\r\nHost: x\r\n\r\n", tc.path, tc.proto)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if string(body) != tc.body {
				t.Errorf("body of %d bytes, want %d", len(body), len(tc.body))
			}
			if te := resp.TransferEncoding; (len(te) > 0) != tc.chunked {
				t.Errorf("Transfer-Encoding %q, chunked wanted: %v", te, tc.chunked)
			}
			if !tc.chunked && resp.ContentLength != int64(len(tc.body)) {
				t.Errorf("Content-Length %d, want %d", resp.ContentLength, len(tc.body))
			}
		})
	}
}
