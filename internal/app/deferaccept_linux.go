package app

import (
	"net"

	"golang.org/x/sys/unix"
)

// setDeferAccept sets TCP_DEFER_ACCEPT on the listening socket to secs
// (0 turns it off): the kernel keeps a new connection back until its
// first data arrives or secs have passed, rounded up to its SYN-ACK
// retransmission schedule. A listening socket takes the change at any
// time, so a listener kept across a reload is changed in place.
func setDeferAccept(ln *net.TCPListener, secs int) error {
	rc, err := ln.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, secs)
	}); err != nil {
		return err
	}
	return serr
}

// deferAcceptErr tells whether a listener can defer for secs: always here.
func deferAcceptErr(int) error { return nil }
