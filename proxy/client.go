package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http/httputil"
	"runtime"
	"time"

	"github.com/valyala/fasthttp"
)

// One exchange with a member: we drive fasthttp's HostClient connection
// pool ourselves instead of calling HostClient.Do, so that we can tell a
// connection that was never established from one dropped before the first
// response byte, apply a first-byte deadline (trytimeout) distinct from the
// I/O timeout, count bytes to and from the member exactly, and stream large
// response bodies without fasthttp's per-response closures.

// smallBody is the largest response body read into memory; larger or
// chunked bodies are streamed to the client.
const smallBody = 64 << 10

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
	// cancel, when set, cuts the member connection if the client gives
	// the request up.
	cancel canceller
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
func (o connOps[C]) exchange(st *memberState, req *fasthttp.Request, resp *fasthttp.Response, x *exchangeOpts) (bool, *exchangeError) {
	hc := st.hc.Load()
	for try := 0; ; try++ {
		cc, xerr := o.conn(hc, x.connTO, false)
		if xerr != nil {
			return false, xerr
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
		mc.cnt = countingConn{Conn: cc.Conn(), st: st, wto: x.timeout, cancel: x.cancel}
		if x.cancel != nil {
			mc.cancel = x.cancel
			x.cancel.Watch(mc.cnt.Conn)
		}
		if x.timeout <= 0 {
			_ = mc.cnt.Conn.SetWriteDeadline(time.Time{})
		}
		err := send(&mc.cnt, req, x.body)
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
		if !early {
			// Let the other connections' goroutines run before reading
			// the answer: read at once, it is rarely there yet (the
			// member needs some microseconds), and a read that finds
			// nothing costs a system call, a park and a second read
			// once the poller wakes this goroutine. Reads that found
			// nothing per proxied request: 2.0 → 1.0–1.8 (bench/syscalls).
			runtime.Gosched()
		}
		mc.br = acquireMemberReader(&mc.cnt, hc.ReadBufferSize)
		skip := req.Header.IsHead()
		resp.Reset()
		noDefaultType(resp)
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
		if resp.StatusCode() == fasthttp.StatusSwitchingProtocols {
			// No request sent here asks for an upgrade (those go through
			// upgrade): what follows this 101 on the connection is not
			// HTTP, and must never be read as the answer to another
			// request (the response mixup of httpd's CVE-2012-3502).
			mc.finish(false)
			return false, &exchangeError{errBadResp, errUnaskedSwitch}
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
		if cl < 0 && !req.Header.IsHTTP11() {
			// The request keeps its client's version: an HTTP/1.0
			// client, which cannot read a chunked body, the only way
			// fasthttp writes one of unknown length (RFC 9112 §6.1).
			return false, mc.readWhole(resp)
		}
		mc.stream = true
		resp.SetBodyStream(mc, cl)
		return true, nil
	}
}

// noDefaultType keeps a member's response as it came without a
// Content-Type: Reset turns fasthttp's default back on, which would add
// "text/plain; charset=utf-8" to it (and to a 204 or a 101), changing how
// a browser reads a body its member left to sniffing.
func noDefaultType(resp *fasthttp.Response) { resp.Header.SetNoDefaultContentType(true) }

// http10Whole bounds a body of unknown length read whole for an HTTP/1.0
// client: what a request body may take in memory by default
// (retrybuffer), so that HTTP/1.0 requests cost no more memory than any.
const http10Whole = 1 << 20

var errTooLargeFor10 = errors.New("a body of unknown length over 1 MiB for an HTTP/1.0 client")

// readWhole reads the rest of the body into resp, which then goes out
// with its length; a body over http10Whole, or one that fails, is a
// failed exchange (nothing has gone to the client yet).
func (mc *memberConn[C]) readWhole(resp *fasthttp.Response) *exchangeError {
	n, err := io.Copy(resp.BodyWriter(), io.LimitReader(mc, http10Whole+1))
	switch {
	case err != nil:
		mc.finish(false)
		resp.ResetBody()
		return classifyIO(err, errBadResp)
	case n > http10Whole:
		mc.finish(false)
		resp.ResetBody()
		return &exchangeError{errBadResp, errTooLargeFor10}
	}
	mc.finish(mc.eof && mc.keep)
	resp.Header.SetContentLength(int(n))
	return nil
}

// maxStaleConns bounds how many pooled connections one attempt may find
// closed by the member before it gives up on the pool.
const maxStaleConns = 16

// upgrade sends an upgrade request on a connection of its own and reads
// the response head; on 101 the connection is handed over to the caller.
func (o connOps[C]) upgrade(st *memberState, req *fasthttp.Request, resp *fasthttp.Response, connTO, timeout time.Duration) (net.Conn, *bufio.Reader, func(), *exchangeError) {
	hc := st.hc.Load()
	cc, xerr := o.conn(hc, connTO, true)
	if xerr != nil {
		return nil, nil, nil, xerr
	}
	conn := cc.Conn()
	closeConn := func() { o.close(hc, cc) }
	if timeout > 0 {
		_ = conn.SetDeadline(time.Now().Add(timeout))
	}
	if err := send(conn, req, nil); err != nil {
		closeConn()
		return nil, nil, nil, classifyIO(err, errTimeout)
	}
	br := bufio.NewReader(conn)
	resp.Reset()
	noDefaultType(resp)
	if err := readHeader(resp, br); err != nil {
		closeConn()
		return nil, nil, nil, classifyIO(err, errTimeout)
	}
	if resp.StatusCode() != fasthttp.StatusSwitchingProtocols && !noBody(resp.StatusCode()) {
		if err := resp.ReadBody(br, 0); err != nil {
			closeConn()
			return nil, nil, nil, classifyIO(err, errBadResp)
		}
	}
	return conn, br, closeConn, nil
}

// conn takes a connection to the member: from its pool, or a fresh one
// that goes back to no pool (a tunnel's).
func (o connOps[C]) conn(hc *fasthttp.HostClient, connTO time.Duration, fresh bool) (C, *exchangeError) {
	cc, err := o.acquire(hc, connTO, fresh)
	switch {
	case err == nil:
		return cc, nil
	case err == fasthttp.ErrNoFreeConns:
		return cc, &exchangeError{errFull, err}
	}
	return cc, &exchangeError{errDial, err}
}

// send writes the request, with body (nil for none), to w and flushes it.
func send(w net.Conn, req *fasthttp.Request, body *outBody) error {
	bw := acquireMemberWriter(w)
	defer releaseMemberWriter(bw)
	if err := writeRequest(bw, req, body); err != nil {
		return err
	}
	return bw.Flush()
}

// countingConn counts the bytes of one exchange into the member's counters
// and gives every write the member's I/O timeout (httpd's timeout is per
// I/O operation, so a slow but live upload is not cut).
type countingConn struct {
	net.Conn
	st  *memberState
	wto time.Duration
	// cancel, when set, ends every I/O once the client gave up: the
	// deadline its cut set may have been moved since.
	cancel canceller
}

func (c *countingConn) Read(p []byte) (int, error) {
	if c.cancel != nil && c.cancel.Gone() {
		return 0, errClientGone
	}
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
	if c.cancel != nil && c.cancel.Gone() {
		return 0, errClientGone
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
	// cancel watches the connection for a client that gives up.
	cancel canceller
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
	if mc.cancel != nil {
		mc.cancel.Release()
	}
	if mc.br != nil {
		releaseMemberReader(mc.br)
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
