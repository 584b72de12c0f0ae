package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// bodyYAML has small limits so every size class is cheap to send:
// retrybuffer 1KiB, route /small with maxbodysize 4KiB, global 16KiB.
const bodyYAML = `
listen: "127.0.0.1:0"
limits:
  readheadertimeout: 300ms
  bodytimeout: 2s
  maxbodysize: 16KiB
balancers:
  - name: c
    retrybuffer: 1KiB
    members:
      - url: {{m0}}
        route: node1
routes:
  - path: /
    balancer: c
  - path: /small
    balancer: c
    maxbodysize: 4KiB
`

// chunk frames body as chunks of at most n bytes.
func chunk(body []byte, n int) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		k := min(n, len(body))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", k, body[:k])
		body = body[k:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// rawPost sends one request with body in the given framing, followed by
// a smuggled GET, and returns the first response's status, whether a
// second response came (the smuggled request was served), and whether
// the connection was closed after the first.
func rawPost(t *testing.T, base, method, path string, body []byte, chunked bool, pace time.Duration) (status int, second bool, closed bool) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var payload []byte
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\n", method, path)
	if chunked {
		head += "Transfer-Encoding: chunked\r\n\r\n"
		payload = chunk(body, 512)
	} else {
		head += fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))
		payload = body
	}
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	go func() {
		conn.Write([]byte(head))
		if pace == 0 {
			conn.Write(payload)
		} else {
			// Ten pieces over pace.
			step := (len(payload) + 9) / 10
			for p := payload; len(p) > 0; {
				k := min(step, len(p))
				if _, err := conn.Write(p[:k]); err != nil {
					return
				}
				p = p[k:]
				time.Sleep(pace / 10) // pacing: the trickle is under test, nothing waits on it
			}
		}
		conn.Write([]byte(smuggled))
	}()
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	status = resp.StatusCode
	resp2, err := http.ReadResponse(br, nil)
	if err == nil {
		resp2.Body.Close()
		return status, true, false
	}
	return status, false, err == io.EOF || err == io.ErrUnexpectedEOF || isReset(err)
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "reset")
}

// TestBodyFramingsAndLimits: both framings at every size limit, at once
// and trickled over more than readheadertimeout. A body within the limit
// reaches the member byte for byte; one over it gets 413 and reaches no
// member; the bytes after the body are never read as a request unless
// the body was read to its end.
func TestBodyFramingsAndLimits(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	_, base := startProxy(t, bodyYAML, m)
	type tc struct {
		path    string
		size    int
		chunked bool
		pace    time.Duration
		want    int
	}
	var cases []tc
	for _, chunked := range []bool{false, true} {
		for _, pace := range []time.Duration{0, time.Second} {
			for _, c := range []struct {
				path string
				size int
				want int
			}{
				{"/", 100, 200},
				{"/", 1024, 200},     // = retrybuffer
				{"/", 1025, 200},     // > retrybuffer: streamed
				{"/", 16 << 10, 200}, // = maxbodysize
				{"/", 20 << 10, 413}, // > maxbodysize
				{"/small", 4 << 10, 200},
				{"/small", 5 << 10, 413}, // > the route's maxbodysize
			} {
				cases = append(cases, tc{c.path, c.size, chunked, pace, c.want})
			}
		}
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s/%d/chunked=%v/pace=%v", c.path, c.size, c.chunked, c.pace)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := bytes.Repeat([]byte(fmt.Sprintf("%06d|", c.size)), c.size/7+1)[:c.size]
			path := fmt.Sprintf("%s/%s", strings.TrimSuffix(c.path, "/"), strings.NewReplacer("/", "_", "=", "_").Replace(name))
			status, second, closed := rawPost(t, base, "POST", path, body, c.chunked, c.pace)
			// The member's URL has no path: the route's prefix is cut.
			path = "/" + strings.TrimPrefix(strings.TrimPrefix(path, c.path), "/")
			if status != c.want {
				t.Fatalf("status %d, want %d", status, c.want)
			}
			var got []byte
			n := 0
			for _, s := range m.Seen() {
				if s.URI == path {
					got, n = s.Body, n+1
				}
			}
			switch c.want {
			case 200:
				if n != 1 || !bytes.Equal(got, body) {
					t.Fatalf("member got %d requests, body %d bytes, want 1 with %d bytes", n, len(got), len(body))
				}
				if !second {
					t.Fatal("the next request on the connection was not served after a whole body")
				}
			default:
				// A Content-Length over the limit is refused before any
				// byte goes out; a chunked body is streamed past the retry
				// buffer until it crosses the limit, then the member's
				// connection is cut: it may see a request, never the
				// whole body.
				if n != 0 && (!c.chunked || bytes.Equal(got, body) || c.size <= 1024) {
					t.Fatalf("a refused body reached the member (%d bytes)", len(got))
				}
				if second {
					t.Fatal("bytes after a refused body were served as a request")
				}
				if !closed {
					t.Fatal("connection left open after a refused body")
				}
			}
		})
	}
}

// TestSmugglingAfterRefusal: every answer the balancer writes by itself
// before reading the body leaves nothing of the body to be parsed as the
// next request: a body carrying a request never reaches a member.
func TestSmugglingAfterRefusal(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	_, base := startProxy(t, strings.Replace(bodyYAML, "  - path: /\n    balancer: c\n", "", 1), m)
	inner := "GET /small/inner HTTP/1.1\r\nHost: x\r\n\r\n"
	for _, c := range []struct {
		name   string
		path   string
		size   int
		status int
	}{
		{"404, small body", "/nowhere", 0, 404},
		{"404, body over 8KiB", "/nowhere", 9 << 10, 404},
		{"404, body over drainLimit", "/nowhere", 80 << 10, 404},
		{"413", "/small/x", 5 << 10, 413},
		{"400 encoded dot-segment", "/small/%2e%2e/x", 9 << 10, 400},
		{"404 encoded slash", "/small/a%2fb", 9 << 10, 404},
	} {
		for _, chunked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/chunked=%v", c.name, chunked), func(t *testing.T) {
				body := append(bytes.Repeat([]byte("x"), c.size), inner...)
				status, _, _ := rawPost(t, base, "POST", c.path, body, chunked, 0)
				if status != c.status {
					t.Fatalf("status %d, want %d", status, c.status)
				}
				for _, s := range m.Seen() {
					if s.URI == "/small/inner" {
						t.Fatal("the request inside the body reached the member")
					}
				}
			})
		}
	}
}
