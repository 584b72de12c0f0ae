package proxy

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// closedByPeer reports whether an idle pooled connection was closed (or
// written to) by the member. It looks at the socket without reading from
// it and without waiting: recv with MSG_PEEK|MSG_DONTWAIT finds end of
// stream (0), stray bytes (> 0, a member never speaks first on an idle
// connection; for TLS it is the close_notify alert), a reset, or nothing
// (EAGAIN: the connection is alive). A read with a deadline in the past
// cannot do this: Go returns the timeout without a read system call.
func closedByPeer(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case rerr == nil:
			closed = true // 0: end of stream; > 0: stray bytes
			_ = n
		case errors.Is(rerr, syscall.EAGAIN), errors.Is(rerr, syscall.EINTR):
		default:
			closed = true
		}
		return true // never wait for readiness
	})
	return closed || err != nil
}
