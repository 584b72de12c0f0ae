package proxy

import (
	"bufio"
	"io"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// countingConn counts the bytes of one exchange into the member's counters
// and gives every write the member's I/O timeout (httpd's timeout is per
// I/O operation, so a slow but live upload is not cut).
type countingConn struct {
	net.Conn
	st  *memberState
	wto time.Duration
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.st.sched.Read.Add(int64(n))
	}
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	if c.wto > 0 {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.wto))
	}
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.st.sched.Transferred.Add(int64(n))
	}
	return n, err
}

// memberConn is one acquired connection with its buffers; it doubles as
// the body stream of a large response, released when the client side is
// done with it.
type memberConn[C interface {
	Conn() net.Conn
	LastUseTime() time.Time
}] struct {
	ops     connOps[C]
	hc      *fasthttp.HostClient
	cc      C
	cnt     countingConn
	br      *bufio.Reader
	body    io.Reader // chunked decoder while streaming a chunked body
	left    int64     // bytes left of a Content-Length body; -1: until body ends
	timeout time.Duration
	eof     bool
	keep    bool // the member allows reuse
	// stream is set while the connection serves as a response body
	// stream; closing it ends the request to the member.
	stream bool
}

func (o connOps[C]) get() *memberConn[C] {
	if v := o.pool.Get(); v != nil {
		return v.(*memberConn[C])
	}
	return &memberConn[C]{ops: o}
}

// Read implements io.Reader for a streamed body, refreshing the I/O
// timeout before each read (httpd's timeout is per I/O operation).
func (mc *memberConn[C]) Read(p []byte) (int, error) {
	if mc.timeout > 0 {
		_ = mc.cnt.Conn.SetReadDeadline(time.Now().Add(mc.timeout))
	}
	var n int
	var err error
	switch {
	case mc.body != nil:
		n, err = mc.body.Read(p)
		if err == io.EOF && !mc.eof {
			// The chunked reader stops after the last chunk: consume the
			// trailer section so the connection can be reused.
			mc.keep = mc.keep && skipTrailer(mc.br)
		}
	case mc.left >= 0:
		if mc.left == 0 {
			mc.eof = true
			return 0, io.EOF
		}
		if int64(len(p)) > mc.left {
			p = p[:mc.left]
		}
		n, err = mc.br.Read(p)
		mc.left -= int64(n)
		if err == io.EOF && mc.left > 0 {
			err = io.ErrUnexpectedEOF
		}
	default: // identity body: until the member closes
		n, err = mc.br.Read(p)
	}
	if err == io.EOF {
		mc.eof = true
	}
	return n, err
}

// Close releases the connection: back to the pool when the body was read
// to its end and the member allows reuse, else closed.
func (mc *memberConn[C]) Close() error {
	mc.finish(mc.eof && mc.keep)
	return nil
}

func (mc *memberConn[C]) finish(reuse bool) {
	// Bytes the member sent beyond its response would be read as the
	// answer to the next request on this connection: never reuse it then.
	if reuse && mc.br != nil && mc.br.Buffered() > 0 {
		reuse = false
	}
	if mc.br != nil {
		mc.hc.ReleaseReader(mc.br)
		mc.br = nil
	}
	if reuse {
		// Deadlines are left as they are: every use of a pooled
		// connection sets its own before reading or writing.
		mc.ops.release(mc.hc, mc.cc)
	} else {
		mc.ops.close(mc.hc, mc.cc)
	}
	st, stream := mc.cnt.st, mc.stream
	var zero C
	o := mc.ops
	*mc = memberConn[C]{ops: o, cc: zero}
	o.pool.Put(mc)
	if stream {
		st.requestDone()
	}
}
