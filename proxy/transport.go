package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http/httputil"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// One exchange with a member: we drive fasthttp's HostClient connection
// pool ourselves instead of calling HostClient.Do, so that we can tell a
// connection that was never established from one dropped before the first
// response byte, apply a first-byte deadline (trytimeout) distinct from the
// I/O timeout, count bytes to and from the member exactly, and stream large
// response bodies without fasthttp's per-response closures.

// memberIdleTTL is how long a member connection idles in the pool before
// the balancer closes it: below the keep-alive timeouts of the common app
// servers (Tomcat 20 s, Jetty 30 s, Go's net/http none), so the member is
// rarely the one to close it. When it is, a request that must not be sent
// twice is kept off the closed connection (closedByPeer).
const memberIdleTTL = 15 * time.Second

// smallBody is the largest response body read into memory; larger or
// chunked bodies are streamed to the client.
const smallBody = 64 << 10

// exchangeError classifies why an exchange failed, which decides whether
// the request may go to another member and whether the member is in error.
type exchangeError struct {
	kind errKind
	err  error
}

type errKind int

const (
	errDial       errKind = iota // no connection established: always retryable
	errFull                      // no free connection to the member
	errTryTimeout                // no response byte within trytimeout
	errDropped                   // connection lost before the first response byte
	errTimeout                   // member I/O timeout
	errBadResp                   // malformed response or error after first byte
	errClientBody                // reading the client's body failed
)

func (e *exchangeError) Error() string { return e.err.Error() }
func (e *exchangeError) Unwrap() error { return e.err }

// connOps carries fasthttp's pooled client connection type, which fasthttp
// does not export, by inference from the HostClient's methods.
type connOps[C interface {
	Conn() net.Conn
	LastUseTime() time.Time
}] struct {
	acquire func(*fasthttp.HostClient, time.Duration, bool) (C, error)
	release func(*fasthttp.HostClient, C)
	close   func(*fasthttp.HostClient, C)
	pool    *sync.Pool
}

func opsFor[C interface {
	Conn() net.Conn
	LastUseTime() time.Time
}](a func(*fasthttp.HostClient, time.Duration, bool) (C, error), r, c func(*fasthttp.HostClient, C)) connOps[C] {
	return connOps[C]{acquire: a, release: r, close: c, pool: &sync.Pool{}}
}

var ops = opsFor((*fasthttp.HostClient).AcquireConn, (*fasthttp.HostClient).ReleaseConn, (*fasthttp.HostClient).CloseConn)

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

// exchangeOpts are the per-attempt settings.
type exchangeOpts struct {
	connTO  time.Duration
	tryTO   time.Duration // first-byte deadline; 0 = timeout
	timeout time.Duration
	// idempotent requests may be sent again on a fresh connection when a
	// pooled one turns out to be closed after the request was written.
	idempotent bool
	// body is the request body; nil for none.
	body *outBody
}

// streams reports whether the body is streamed from the client, so an
// attempt that fails after sending part of it cannot be made again.
func (x *exchangeOpts) streams() bool { return x.body != nil && !x.body.whole }

// streamed reports whether an attempt has consumed part of the body that
// cannot be sent again.
func (x *exchangeOpts) streamed() bool {
	b := x.body
	return b != nil && !b.whole && b.rest.n > int64(len(b.head))
}

// exchange sends req to the member and reads its response into resp. When
// it returns streaming, the response body is a stream that ends the
// request to the member (st.requestDone) when the server closes it;
// otherwise the exchange is over when it returns.
func exchange(st *memberState, req *fasthttp.Request, resp *fasthttp.Response, o *exchangeOpts) (streaming bool, err *exchangeError) {
	return ops.exchange(st, req, resp, o)
}

func (o connOps[C]) exchange(st *memberState, req *fasthttp.Request, resp *fasthttp.Response, x *exchangeOpts) (bool, *exchangeError) {
	hc := st.hc.Load()
	for try := 0; ; try++ {
		cc, err := o.acquire(hc, x.connTO, false)
		if err != nil {
			if err == fasthttp.ErrNoFreeConns {
				return false, &exchangeError{errFull, err}
			}
			return false, &exchangeError{errDial, err}
		}
		reused := !cc.LastUseTime().IsZero()
		if reused && (!x.idempotent || x.streams()) && try < maxStaleConns && closedByPeer(cc.Conn()) {
			// A request that cannot be sent twice (not idempotent, or
			// its body streams and cannot be replayed) never goes out on
			// a pooled connection the member has already closed: were it
			// dropped after writing, it could not be retried. Every
			// pooled connection may have been closed (a member's
			// keep-alive timeout ends them together), so look at each.
			o.close(hc, cc)
			continue
		}
		mc := o.get()
		mc.hc, mc.cc, mc.timeout = hc, cc, x.timeout
		mc.cnt = countingConn{Conn: cc.Conn(), st: st, wto: x.timeout}
		if x.timeout <= 0 {
			_ = mc.cnt.Conn.SetWriteDeadline(time.Time{})
		}
		bw := hc.AcquireWriter(&mc.cnt)
		err = writeRequest(bw, req, x.body)
		if err == nil {
			err = bw.Flush()
		}
		hc.ReleaseWriter(bw)
		early := false
		if err != nil {
			if errors.Is(err, errClientSide) {
				mc.finish(false)
				return false, &exchangeError{errClientBody, x.body.rest.err}
			}
			if reused && try < maxStaleConns && !x.streamed() {
				mc.finish(false)
				continue // stale keep-alive connection: try a fresh one
			}
			if !x.streamed() {
				mc.finish(false)
				return false, classifyIO(err, errDropped)
			}
			// The member stopped taking the body: it may have answered
			// first (a 413 of its own, say) and closed. Its answer, if
			// any, is the response.
			early = true
		}
		now := time.Now()
		first := x.timeout
		kind := errTimeout
		if x.tryTO > 0 && (first == 0 || x.tryTO < first) {
			first, kind = x.tryTO, errTryTimeout
		}
		if first > 0 {
			_ = mc.cnt.Conn.SetReadDeadline(now.Add(first))
		} else {
			_ = mc.cnt.Conn.SetReadDeadline(time.Time{})
		}
		mc.br = hc.AcquireReader(&mc.cnt)
		skip := req.Header.IsHead()
		resp.Reset()
		resp.SkipBody = skip
		werr := err
		err = readHeader(resp, mc.br)
		if err != nil {
			mc.finish(false)
			if early {
				return false, classifyIO(werr, errDropped)
			}
			if reused && try < maxStaleConns && !x.streamed() && x.idempotent && isDropped(err) {
				continue
			}
			return false, classifyIO(err, kind)
		}
		if kind == errTryTimeout && x.timeout > 0 {
			// The first byte came within trytimeout; the body gets the
			// I/O timeout (which the head's deadline already is otherwise).
			_ = mc.cnt.Conn.SetReadDeadline(time.Now().Add(x.timeout))
		}
		mc.keep = !early && !resp.ConnectionClose() && !req.ConnectionClose()
		cl := resp.Header.ContentLength()
		if skip || noBody(resp.StatusCode()) {
			resp.SkipBody = true
			mc.eof = true
			mc.finish(mc.keep)
			return false, nil
		}
		if cl >= 0 && cl <= smallBody {
			resp.StreamBody = false
			if err = resp.ReadBody(mc.br, 0); err != nil {
				mc.finish(false)
				return false, classifyIO(err, errBadResp)
			}
			mc.finish(mc.keep)
			return false, nil
		}
		// Large or chunked body: stream it; the connection is released when
		// the server has written it (or failed to) and closes the stream.
		switch {
		case cl >= 0:
			mc.left = int64(cl)
		case cl == -1:
			mc.left = -1
			mc.body = httputil.NewChunkedReader(mc.br)
		default: // -2: identity, ends when the member closes
			mc.left, mc.keep = -1, false
			cl = -1
		}
		mc.stream = true
		resp.SetBodyStream(mc, cl)
		return true, nil
	}
}

// readHeader reads the final response head, skipping 1xx interim
// responses other than 101.
func readHeader(resp *fasthttp.Response, br *bufio.Reader) error {
	for n := 0; n < 100; n++ {
		if ambiguousHead(br) {
			// Both Content-Length and Transfer-Encoding: the framing is
			// ambiguous (RFC 9112 §6.3); refuse the response and its
			// connection rather than guess.
			return errAmbiguousFraming
		}
		if err := resp.Header.Read(br); err != nil {
			return err
		}
		c := resp.StatusCode()
		if c < 100 || c > 199 || c == fasthttp.StatusSwitchingProtocols {
			return nil
		}
	}
	return errTooManyInterim
}

var (
	errTooManyInterim   = errors.New("too many interim responses")
	errAmbiguousFraming = errors.New("response with both Content-Length and Transfer-Encoding")
)

func noBody(code int) bool {
	return code < 200 || code == fasthttp.StatusNoContent || code == fasthttp.StatusNotModified
}

func isDropped(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

func isTimeout(err error) bool {
	if err == fasthttp.ErrTimeout {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func classifyIO(err error, timeoutKind errKind) *exchangeError {
	switch {
	case isTimeout(err):
		return &exchangeError{timeoutKind, err}
	case isDropped(err):
		return &exchangeError{errDropped, err}
	}
	return &exchangeError{errBadResp, err}
}

// skipTrailer reads trailer lines up to the empty line ending the message.
func skipTrailer(br *bufio.Reader) bool {
	for i := 0; i < 100; i++ {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return false
		}
		if len(line) <= 2 && (string(line) == "\r\n" || string(line) == "\n") {
			return true
		}
	}
	return false
}

// ambiguousHead looks at the next response head before fasthttp parses it
// (fasthttp keeps no raw copy of a response head, and silently prefers
// Transfer-Encoding) and reports both Content-Length and Transfer-Encoding
// in it. It peeks until the head is complete or the read buffer is full.
func ambiguousHead(br *bufio.Reader) bool {
	if _, err := br.Peek(1); err != nil {
		return false // readHeader reports it
	}
	for {
		b, _ := br.Peek(br.Buffered())
		if end := headEnd(b); end >= 0 {
			return bothFramings(b[:end])
		}
		if br.Buffered() >= br.Size() {
			return false // too large: fasthttp refuses it
		}
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			return false
		}
	}
}

// headEnd returns the length of the head in b (through its empty line),
// or -1 when b does not hold a whole head.
func headEnd(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 2
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 3
		}
	}
	return -1
}

func bothFramings(head []byte) bool {
	var cl, te bool
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break
		}
		line := head[:i]
		head = head[i+1:]
		cl = cl || hasFieldName(line, "content-length")
		te = te || hasFieldName(line, "transfer-encoding")
	}
	return cl && te
}

// hasFieldName reports whether a header line starts with name and a colon
// (case-insensitively, whitespace before the colon tolerated).
func hasFieldName(line []byte, name string) bool {
	if len(line) <= len(name) || !bytes.EqualFold(line[:len(name)], []byte(name)) {
		return false
	}
	rest := bytes.TrimLeft(line[len(name):], " \t")
	return len(rest) > 0 && rest[0] == ':'
}

// maxStaleConns bounds how many pooled connections one attempt may find
// closed by the member before it gives up on the pool.
const maxStaleConns = 16
