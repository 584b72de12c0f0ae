package testutil

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"
)

// H2Settings opens a cleartext HTTP/2 connection to addr with prior
// knowledge (RFC 9113 §3.3) and returns the parameters of the server's
// first SETTINGS frame by identifier (3 is SETTINGS_MAX_CONCURRENT_STREAMS,
// 6 SETTINGS_MAX_HEADER_LIST_SIZE). A server that does not speak HTTP/2
// there is an error.
func H2Settings(addr string) (map[uint16]uint32, error) {
	c, s, err := H2Open(addr)
	if c != nil {
		c.Close()
	}
	return s, err
}

// H2Open is H2Settings that leaves the connection open (nil on error).
func H2Open(addr string) (net.Conn, map[uint16]uint32, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	s, err := h2Settings(c)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return c, s, nil
}

func h2Settings(c net.Conn) (map[uint16]uint32, error) {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	// The preface, then an empty SETTINGS frame.
	if _, err := io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"); err != nil {
		return nil, err
	}
	var head [9]byte
	if _, err := io.ReadFull(c, head[:]); err != nil {
		return nil, err
	}
	length := int(head[0])<<16 | int(head[1])<<8 | int(head[2])
	if head[3] != 4 || head[4]&1 != 0 || length%6 != 0 || length > 1<<14 {
		return nil, fmt.Errorf("not an HTTP/2 server: its first bytes are %q", head[:])
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(c, payload); err != nil {
		return nil, err
	}
	s := map[uint16]uint32{}
	for p := payload; len(p) >= 6; p = p[6:] {
		s[binary.BigEndian.Uint16(p)] = binary.BigEndian.Uint32(p[2:])
	}
	return s, nil
}
