package proxy

import (
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Lingering close. When the balancer answers a request whose body it has
// not read (a 413, a 404 for a large upload), it closes the connection so
// that no byte of the body is taken for a request. Closing a socket with
// unread input makes the kernel send a reset, which can destroy the
// response before the client reads it; so, like httpd's and nginx's
// lingering close, the connection is shut down for writing once the
// response is out, and what the client still sends is read and dropped,
// for a bounded time and size, before the socket is closed.

const (
	lingerTime  = 5 * time.Second // at most this long in all
	lingerRead  = time.Second     // each read waits at most this long
	lingerBytes = 4 << 20         // at most this much is read and dropped
	maxLingers  = 1024            // beyond this many at once, close at once
)

var lingering atomic.Int64

// lingerListener hands out connections that can linger on close.
type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*tls.Conn); ok {
		// fasthttp tells TLS connections by these methods (IsTLS).
		return &lingerTLSConn{lingerConn{Conn: c}, tc}, nil
	}
	return &lingerConn{Conn: c}, nil
}

// lingerTLSConn is a lingerConn over TLS.
type lingerTLSConn struct {
	lingerConn
	tc *tls.Conn
}

// Handshake runs the TLS handshake.
func (c *lingerTLSConn) Handshake() error { return c.tc.Handshake() }

// ConnectionState returns the TLS connection's state.
func (c *lingerTLSConn) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }

// lingerConn is a client connection; linger marks it to linger when
// closed.
type lingerConn struct {
	net.Conn
	linger atomic.Bool
	once   sync.Once
}

func (c *lingerConn) Close() error {
	if !c.linger.Load() {
		return c.Conn.Close()
	}
	var err error
	c.once.Do(func() {
		cw, ok := c.Conn.(interface{ CloseWrite() error })
		if !ok || lingering.Add(1) > maxLingers {
			if ok {
				lingering.Add(-1)
			}
			err = c.Conn.Close()
			return
		}
		if err = cw.CloseWrite(); err != nil {
			lingering.Add(-1)
			err = c.Conn.Close()
			return
		}
		go func() {
			defer lingering.Add(-1)
			drop(c.Conn)
			c.Conn.Close()
		}()
	})
	return err
}

// CloseWrite shuts the connection down for writing (tunnels use it).
func (c *lingerConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

func (c *lingerConn) setLinger() { c.linger.Store(true) }

// drop reads and discards until the client closes, lingerTime passes,
// a read waits lingerRead, or lingerBytes were read.
func drop(c net.Conn) {
	end := time.Now().Add(lingerTime)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	var total int
	for total < lingerBytes {
		d := time.Now().Add(lingerRead)
		if d.After(end) {
			d = end
		}
		_ = c.SetReadDeadline(d)
		n, err := c.Read(*bp)
		total += n
		if err != nil {
			return // end of stream, time up, or a reset
		}
	}
}

// lingerOnClose marks a client connection (as the server's handler sees
// it) to linger when the server closes it.
func lingerOnClose(c net.Conn) {
	if lc, ok := c.(interface{ setLinger() }); ok {
		lc.setLinger()
	}
}
