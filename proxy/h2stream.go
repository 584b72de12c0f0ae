package proxy

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// An HTTP/2 request enters the request path as a fasthttp.RequestCtx like
// any other; its connection, as the request path sees it (ctx.Conn()), is
// the stream, not the client's TCP connection, which carries other
// streams. Through it:
//   - the client body's per-read deadlines (body.go) become the stream's
//     read deadline;
//   - lingering close and connection reuse do not apply (a stream ends on
//     its own);
//   - the client resetting the stream cuts the member connection in use
//     (canceller), so the exchange ends at once and its member slot is
//     given back;
//   - IsTLS and the addresses are the client connection's.

// canceller is a client request that the client can give up before its
// answer is complete (an HTTP/2 stream it resets). Exchanges declare the
// member connection they use while they use it.
type canceller interface {
	// Watch cuts c (its deadline set in the past) as soon as the client
	// gives up, or at once if it already has. A deadline set later would
	// undo the cut: every I/O on c checks Gone first (countingConn).
	Watch(c net.Conn)
	// Release ends the watch of the connection; after it returns, the
	// connection is never touched again (it may go back to the pool).
	Release()
	// Gone reports whether the client gave up the request.
	Gone() bool
}

// stream is one HTTP/2 request as the request path's connection.
type stream struct {
	client net.Conn // the client's connection (for addresses)
	rc     *http.ResponseController

	mu     sync.Mutex
	member net.Conn // watched member connection
	gone   atomic.Bool
}

// tlsStream is a stream over TLS; fasthttp's IsTLS looks for these
// methods.
type tlsStream struct {
	stream
	tc *tls.Conn
}

// Handshake is a no-op: the handshake happened before HTTP/2 was chosen.
func (s *tlsStream) Handshake() error { return nil }

// ConnectionState returns the client connection's TLS state.
func (s *tlsStream) ConnectionState() tls.ConnectionState { return s.tc.ConnectionState() }

// cut is a deadline in the past.
var cut = time.Unix(1, 0)

// Watch implements canceller.
func (s *stream) Watch(c net.Conn) {
	s.mu.Lock()
	s.member = c
	if s.gone.Load() {
		_ = c.SetDeadline(cut)
	}
	s.mu.Unlock()
}

// Release implements canceller.
func (s *stream) Release() {
	s.mu.Lock()
	s.member = nil
	s.mu.Unlock()
}

// Gone implements canceller.
func (s *stream) Gone() bool { return s.gone.Load() }

// cancel marks the request given up and cuts the member connection in
// use, if any.
func (s *stream) cancel() {
	s.mu.Lock()
	s.gone.Store(true)
	if s.member != nil {
		_ = s.member.SetDeadline(cut)
	}
	s.mu.Unlock()
}

// Read never returns data: the body is read through the request's body
// stream, and nothing else may read the client's connection.
func (s *stream) Read([]byte) (int, error) { return 0, net.ErrClosed }

// Write refuses: the response is written by the HTTP/2 server.
func (s *stream) Write([]byte) (int, error) { return 0, net.ErrClosed }

// Close does nothing: the stream ends when its handler returns.
func (s *stream) Close() error { return nil }

// LocalAddr returns the client connection's local address.
func (s *stream) LocalAddr() net.Addr { return s.client.LocalAddr() }

// RemoteAddr returns the client's address.
func (s *stream) RemoteAddr() net.Addr { return s.client.RemoteAddr() }

// SetDeadline sets the stream's read and write deadlines.
func (s *stream) SetDeadline(t time.Time) error {
	if err := s.rc.SetReadDeadline(t); err != nil {
		return err
	}
	return s.rc.SetWriteDeadline(t)
}

// SetReadDeadline bounds the wait for the request body's next bytes.
func (s *stream) SetReadDeadline(t time.Time) error { return s.rc.SetReadDeadline(t) }

// SetWriteDeadline bounds the response's writes.
func (s *stream) SetWriteDeadline(t time.Time) error { return s.rc.SetWriteDeadline(t) }
