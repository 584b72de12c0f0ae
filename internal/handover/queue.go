package handover

import (
	"net"
	"sync"
)

// queue is the net.Listener one server accepts from: connections are put
// into it by the accept loops of the real listeners.
type queue struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newQueue() *queue {
	return &queue{conns: make(chan net.Conn), done: make(chan struct{})}
}

// put hands c to the server's Accept; false when the queue is closed and
// c was not taken.
func (q *queue) put(c net.Conn) bool {
	select {
	case <-q.done:
		return false
	default:
	}
	select {
	case q.conns <- c:
		return true
	case <-q.done:
		return false
	}
}

// Accept implements net.Listener.
func (q *queue) Accept() (net.Conn, error) {
	select {
	case c := <-q.conns:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener; it may be called more than once.
func (q *queue) Close() error {
	q.closeOnce.Do(func() { close(q.done) })
	return nil
}

// Addr implements net.Listener; the queue has no address of its own.
func (q *queue) Addr() net.Addr { return queueAddr{} }

type queueAddr struct{}

func (queueAddr) Network() string { return "handover" }
func (queueAddr) String() string  { return "handover" }
