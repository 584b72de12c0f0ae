package proxy

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"balancer/config"
	"balancer/internal/testutil"
)

// wsEchoMember is a WebSocket echo server (RFC 6455 handshake, frames
// echoed back unmasked) answering with its route in X-Route.
func wsEchoMember(t *testing.T, route string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "want websocket", 400)
			return
		}
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Route: %s\r\nSec-WebSocket-Accept: %s\r\n\r\n",
			route, wsAccept(r.Header.Get("Sec-WebSocket-Key")))
		rw.Flush()
		for {
			op, payload, err := readFrame(rw.Reader)
			if err != nil || op == 8 {
				return
			}
			writeFrame(rw.Writer, op, payload, false)
			rw.Flush()
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

func writeFrame(w *bufio.Writer, op byte, p []byte, mask bool) {
	w.WriteByte(0x80 | op)
	m := byte(0)
	if mask {
		m = 0x80
	}
	switch {
	case len(p) < 126:
		w.WriteByte(m | byte(len(p)))
	default:
		w.WriteByte(m | 126)
		binary.Write(w, binary.BigEndian, uint16(len(p)))
	}
	if mask {
		key := [4]byte{1, 2, 3, 4}
		w.Write(key[:])
		for i, c := range p {
			w.WriteByte(c ^ key[i%4])
		}
		return
	}
	w.Write(p)
}

func readFrame(r *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[1] & 0x7f)
	if n == 126 {
		var l uint16
		binary.Read(r, binary.BigEndian, &l)
		n = int(l)
	}
	var key [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		io.ReadFull(r, key[:])
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range p {
			p[i] ^= key[i%4]
		}
	}
	return h[0] & 0x0f, p, nil
}

// TestWebSocketSurvivesReload: a WebSocket through the balancer goes to
// the session's member, counts as busy, and keeps working across a reload.
func TestWebSocketSurvivesReload(t *testing.T) {
	m1 := wsEchoMember(t, "node1")
	m2 := wsEchoMember(t, "node2")
	yml := fmt.Sprintf(`
balancers:
  - name: c
    stickysession: JSESSIONID
    members:
      - url: %s
        route: node1
      - url: %s
        route: node2
routes:
  - path: /
    balancer: c
`, m1, m2)
	p, base := startProxy(t, yml)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nCookie: JSESSIONID=abc.node2\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("X-Route") != "node2" || resp.Header.Get("Sec-WebSocket-Accept") != wsAccept("dGhlIHNhbXBsZSBub25jZQ==") {
		t.Fatalf("handshake: %d route %q accept %q", resp.StatusCode, resp.Header.Get("X-Route"), resp.Header.Get("Sec-WebSocket-Accept"))
	}
	bw := bufio.NewWriter(conn)
	echo := func(msg string) {
		t.Helper()
		writeFrame(bw, 1, []byte(msg), true)
		bw.Flush()
		_, got, err := readFrame(br)
		if err != nil || string(got) != msg {
			t.Fatalf("echo %q: got %q, %v", msg, got, err)
		}
	}
	echo("before reload")
	if busy := p.Snapshot().Balancer("c").Members()[1].st.sched.Busy.Load(); busy != 1 {
		t.Errorf("busy while the tunnel is open = %d, want 1", busy)
	}
	cfg, err := config.Parse("reloaded.yaml", []byte(strings.Replace(yml, "route: node1", "route: node1\n        loadfactor: 5", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	echo("after reload")
	writeFrame(bw, 8, nil, true)
	bw.Flush()
	conn.Close()
	testutil.Eventually(t, "tunnel closed and busy back to 0", func() bool {
		return p.Snapshot().Balancer("c").Members()[1].st.sched.Busy.Load() == 0 && p.Tunnels() == 0
	})
}
