package app

import "golang.org/x/sys/unix"

// inheritKeepAlive: Linux copies SO_KEEPALIVE and the TCP_KEEP* options
// of a listening socket to the connections it accepts.
const inheritKeepAlive = true

// listenKeepAlive sets Go's default keep-alive probing on the listening
// socket fd: probes after 15 s idle, every 15 s, 9 before giving up.
func listenKeepAlive(fd int) error {
	for _, o := range []struct{ level, opt, v int }{
		{unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1},
		{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 15},
		{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, 15},
		{unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 9},
	} {
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.v); err != nil {
			return err
		}
	}
	return nil
}
