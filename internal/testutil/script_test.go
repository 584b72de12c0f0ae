package testutil

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// TestScriptedMemberRecordsTheWire: a scripted member signals each request
// as it arrives and each connection as it ends, with the bytes exactly as
// they came, whatever the script does with them.
func TestScriptedMemberRecordsTheWire(t *testing.T) {
	const (
		first  = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
		second = "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
	)
	for _, tc := range []struct {
		name string
		// limit is how much of the second body the script reads.
		limit    int64
		complete bool
		body     string
		received string // what the connection's end reports
	}{
		{"reads everything", -1, true, "0123456789", first + second},
		{"reads 4 bytes of the second body", 4, false, "0123", first + second[:len(second)-6]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := StartScripted(t, func(c *ScriptConn) {
				if _, err := c.ReadRequest(); err != nil {
					return
				}
				c.Write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
				r, start, err := c.Head()
				if err != nil {
					return
				}
				c.Body(r, start, tc.limit)
			})
			conn, err := net.Dial("tcp", m.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(conn, first)
			a := m.WaitArrived(t, "the first request", func(RawRequest) bool { return true })
			if string(a.Raw) != first || string(a.Body) != "abc" || !a.Complete || a.URI != "/a" || a.Conn != 0 {
				t.Errorf("first request recorded as %+v", a)
			}
			io.WriteString(conn, second)
			b := m.WaitArrived(t, "the second request", func(RawRequest) bool { return true })
			if string(b.Raw) != tc.received[len(first):] || string(b.Body) != tc.body || b.Complete != tc.complete || b.Len != len(tc.body) {
				t.Errorf("second request recorded as %+v", b)
			}
			closed := m.WaitClosed(t, "the connection's end", func(RawConn) bool { return true })
			// The script read the head and its part of the body; bytes the
			// kernel held beyond what was read may be counted or not.
			if !bytes.HasPrefix(closed.Received, []byte(tc.received)) || len(closed.Requests) != 2 {
				t.Errorf("connection ended with %q and %d requests, want %q and 2", closed.Received, len(closed.Requests), tc.received)
			}
			if got := m.Requests(); len(got) != 2 {
				t.Errorf("member recorded %d requests, want 2", len(got))
			}
		})
	}
}
