package testutil

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net"
	"net/http"
	"time"
)

// Script is what a RawMember does on each connection it accepts: it reads
// requests and writes whatever bytes it likes through c (a response, half
// of one, garbage, a lie about framing, nothing at all). The connection is
// closed when the script returns.
type Script func(c *ScriptConn)

// ScriptConn is one member connection as a Script sees it. Every byte
// read from it is kept (up to RawLimit), so that a test can compare what
// the member received with what it should have, byte for byte.
type ScriptConn struct {
	// N numbers the member's connections from 0, in the order accepted.
	N int

	m    *RawMember
	c    net.Conn
	rec  *recorder
	br   *bufio.Reader
	reqs []RawRequest
}

// RawLimit bounds the bytes a ScriptConn keeps of what it read; what
// comes after is read but not kept.
const RawLimit = 1 << 20

// recorder keeps what is read through it, up to RawLimit bytes.
type recorder struct {
	r   io.Reader
	n   int // bytes read, kept or not
	buf []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += n
	if room := RawLimit - len(r.buf); room > 0 {
		r.buf = append(r.buf, p[:min(n, room)]...)
	}
	return n, err
}

// consumed is how many bytes the script has taken from the connection
// (read from the socket and not left in the buffer).
func (c *ScriptConn) consumed() int { return c.rec.n - c.br.Buffered() }

// kept returns the kept bytes between two consumed offsets.
func (c *ScriptConn) kept(from, to int) []byte {
	from, to = min(from, len(c.rec.buf)), min(to, len(c.rec.buf))
	return append([]byte(nil), c.rec.buf[from:to]...)
}

// Conn is the connection itself, for deadlines or writes a script times
// by itself.
func (c *ScriptConn) Conn() net.Conn { return c.c }

// Head reads the next request head; its body is left on the connection
// for Body. A script that reads a head and then not its body records
// nothing.
func (c *ScriptConn) Head() (*http.Request, int, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	start := c.consumed()
	r, err := http.ReadRequest(c.br)
	return r, start, err
}

// Body reads up to limit bytes of r's body (all of it when limit < 0),
// records the request (start is Head's offset), sends it on Arrived and
// returns it. Complete tells whether the body's framing ended within the
// limit.
func (c *ScriptConn) Body(r *http.Request, start int, limit int64) RawRequest {
	k := &keeper{h: sha256.New()}
	var n int64
	var err error
	if limit < 0 {
		n, err = io.Copy(k, r.Body)
	} else if n, err = io.CopyN(k, r.Body, limit); err == nil {
		err = errCut // limit reached: whatever follows is left unread
	} else if errors.Is(err, io.EOF) {
		err = nil
	}
	rr := RawRequest{Conn: c.N, Method: r.Method, URI: r.RequestURI, Proto: r.Proto, Host: r.Host,
		Header: r.Header.Clone(), Complete: err == nil, Len: int(n), Sha256: hex.EncodeToString(k.h.Sum(nil)),
		Body: k.kept, Raw: c.kept(start, c.consumed())}
	c.reqs = append(c.reqs, rr)
	c.m.record(rr)
	return rr
}

var errCut = errors.New("body cut short")

// keeper hashes a body and keeps its first RawLimit bytes.
type keeper struct {
	h    hash.Hash
	kept []byte
}

func (k *keeper) Write(p []byte) (int, error) {
	if room := RawLimit - len(k.kept); room > 0 {
		k.kept = append(k.kept, p[:min(len(p), room)]...)
	}
	return k.h.Write(p)
}

// ReadRequest reads the next request, head and whole body, and records
// it. The error is the head's: a body cut short is a request that is not
// Complete.
func (c *ScriptConn) ReadRequest() (RawRequest, error) {
	r, start, err := c.Head()
	if err != nil {
		return RawRequest{}, err
	}
	return c.Body(r, start, -1), nil
}

// Write writes each part as it is. Errors are ignored: a script lies
// and misbehaves whether or not the proxy still listens.
func (c *ScriptConn) Write(parts ...string) {
	for _, p := range parts {
		_, _ = io.WriteString(c.c, p)
	}
}

// WritePaced writes the parts one by one with gap between them, so that
// the proxy reads them in separate pieces. It is pacing (the split is the
// thing under test), not synchronisation: nothing waits on it.
func (c *ScriptConn) WritePaced(gap time.Duration, parts ...string) {
	for i, p := range parts {
		if p == "" {
			continue
		}
		if i > 0 {
			time.Sleep(gap)
		}
		_, _ = io.WriteString(c.c, p)
	}
}

// Reset makes the connection's close a reset (RST) instead of an orderly
// end (FIN), as a crashed member's kernel does.
func (c *ScriptConn) Reset() {
	if tc, ok := c.c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
}

// Wait blocks until ch is ready (received from or closed) or the member
// closes; it reports whether ch was.
func (c *ScriptConn) Wait(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-c.m.done:
		return false
	}
}

// Hang reads and keeps whatever comes until the peer closes the
// connection or the member closes: a member that never answers.
func (c *ScriptConn) Hang() {
	_ = c.c.SetReadDeadline(time.Time{})
	_, _ = io.Copy(io.Discard, c.br)
}

// RawConn is one member connection that ended, with every byte read on
// it (up to RawLimit) and the requests recorded on it.
type RawConn struct {
	N        int
	Received []byte
	Requests []RawRequest
}

// serveScript runs the member's script on c and reports the connection's
// end on Closed.
func (m *RawMember) serveScript(n int, c net.Conn) {
	rec := &recorder{r: c}
	sc := &ScriptConn{N: n, m: m, c: c, rec: rec, br: bufio.NewReader(rec)}
	m.script(sc)
	c.Close()
	signal(m.Closed, RawConn{N: n, Received: sc.kept(0, rec.n), Requests: sc.reqs})
}

// signal sends v without ever blocking the member: a test that does not
// listen loses nothing but the signal.
func signal[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}
