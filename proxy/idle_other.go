//go:build !linux

package proxy

import (
	"errors"
	"net"
	"time"
)

// parkWaiter parks nothing where epoll is missing: idle connections keep
// their goroutine and buffers, as fasthttp has them.
type parkWaiter struct{}

func newParkWaiter() (*parkWaiter, error) {
	return nil, errors.New("idle connections are not parked on this system")
}

func (*parkWaiter) add(*net.TCPConn, time.Time) bool { return false }
func (*parkWaiter) start(*idleConns)                 {}
func (*parkWaiter) shutdown()                        {}
