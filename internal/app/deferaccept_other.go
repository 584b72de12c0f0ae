//go:build !linux

package app

import (
	"errors"
	"net"
)

// deferAcceptErr: TCP_DEFER_ACCEPT is Linux's; elsewhere only "off" is
// possible.
func deferAcceptErr(secs int) error {
	if secs == 0 {
		return nil
	}
	return errors.New("needs Linux (TCP_DEFER_ACCEPT); leave it out on this system")
}

// setDeferAccept does nothing: deferAcceptErr refused any other value.
func setDeferAccept(*net.TCPListener, int) error { return nil }
