package handover

import (
	"net"
	"sync"
)

// Queue is the net.Listener one server accepts from: connections are put
// into it by the accept loops of the real listeners. The HTTP/2 server
// takes its connections the same way.
type Queue struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

// NewQueue returns an open Queue.
func NewQueue() *Queue {
	return &Queue{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Put hands c to the server's Accept; false when the queue is closed and
// c was not taken.
func (q *Queue) Put(c net.Conn) bool {
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
func (q *Queue) Accept() (net.Conn, error) {
	select {
	case c := <-q.conns:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener; it may be called more than once.
func (q *Queue) Close() error {
	q.closeOnce.Do(func() { close(q.done) })
	return nil
}

// Addr implements net.Listener; the queue has no address of its own.
func (q *Queue) Addr() net.Addr { return queueAddr{} }

type queueAddr struct{}

func (queueAddr) Network() string { return "handover" }
func (queueAddr) String() string  { return "handover" }
