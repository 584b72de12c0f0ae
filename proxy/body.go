package proxy

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// The client's request body. fasthttp hands it over as a stream that
// reads from the client connection (StreamRequestBody); clientBody stands
// between that stream and everything that reads it, so that for every
// framing (Content-Length or chunked):
//   - the body size limit holds (fasthttp checks neither a streamed
//     Content-Length nor a chunked body against MaxRequestBodySize);
//   - each read has its own deadline (limits.bodytimeout), extended by
//     httpd's MinRate rule, instead of the head's readheadertimeout;
//   - an error on the client's side is told apart from one on the
//     member's, so a client that stalls or lies never puts a member in
//     error;
//   - the handler knows, when it is done, whether the body was read to
//     its end: if not, the connection cannot carry another request.

var (
	errBodyTooLarge  = errors.New("request body larger than maxbodysize")
	errBodyTimeout   = errors.New("request body not received in time")
	errBodyCut       = errors.New("client closed the connection before its body ended")
	errBodyMalformed = errors.New("malformed request body")
	// errClientGone: the client gave the request up (reset its HTTP/2
	// stream) before the answer was complete.
	errClientGone = errors.New("client gave up the request")
)

// clientBody reads one request's body from the client.
type clientBody struct {
	src     io.Reader // fasthttp's request body stream; nil: no body
	conn    net.Conn
	limit   int64 // 0: none
	timeout time.Duration
	minRate int64 // bytes/s; 0: off
	start   time.Time
	n       int64
	want    int64 // the client's Content-Length; -1: chunked
	eof     bool
	err     error // the first failure, one of the errBody* values
	// nonBlocking makes reads fail rather than wait for the network
	// (draining what the server already buffered).
	nonBlocking bool
}

// reset prepares b for the request in ctx.
func (b *clientBody) reset(ctx *fasthttp.RequestCtx, limit int64, e *edge) {
	*b = clientBody{limit: limit, timeout: e.bodyTimeout, minRate: e.bodyMinRate}
	if ctx.Request.IsBodyStream() {
		b.src = ctx.Request.BodyStream()
		b.want = int64(ctx.Request.Header.ContentLength())
		b.conn = ctx.Conn()
		b.start = time.Now()
	} else {
		b.eof = true
	}
}

// done reports whether nothing of the body is left unread on the
// connection.
func (b *clientBody) done() bool { return b.eof }

func (b *clientBody) Read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.limit > 0 && int64(len(p)) > b.limit-b.n+1 {
		p = p[:b.limit-b.n+1] // one byte past the limit tells it is exceeded
	}
	b.setDeadline()
	n, err := b.src.Read(p)
	for empty := 0; n == 0 && err == nil && len(p) > 0; empty++ {
		if empty == 100 {
			err = io.ErrNoProgress // a stream that never moves is broken
			break
		}
		n, err = b.src.Read(p)
	}
	b.n += int64(n)
	if b.limit > 0 && b.n > b.limit {
		b.err = errBodyTooLarge
		return n, b.err
	}
	switch {
	case err == nil:
	case err == io.EOF && b.want >= 0 && b.n < b.want:
		b.err = errBodyCut
		err = b.err
	case err == io.EOF:
		b.eof = true
	default:
		b.err = classifyBodyErr(err)
		err = b.err
	}
	return n, err
}

// setDeadline gives the next read bodytimeout, or less when the MinRate
// allowance (bodytimeout + received/minrate since the body began) ends
// sooner.
func (b *clientBody) setDeadline() {
	if b.conn == nil {
		return
	}
	now := time.Now()
	if b.nonBlocking {
		_ = b.conn.SetReadDeadline(now)
		return
	}
	if b.timeout <= 0 {
		_ = b.conn.SetReadDeadline(time.Time{})
		return
	}
	d := now.Add(b.timeout)
	if b.minRate > 0 {
		allowed := b.start.Add(b.timeout + time.Duration(b.n*int64(time.Second)/b.minRate))
		if allowed.Before(d) {
			d = allowed
		}
	}
	_ = b.conn.SetReadDeadline(d)
}

func classifyBodyErr(err error) error {
	switch {
	case isTimeout(err):
		return errBodyTimeout
	case isDropped(err):
		return errBodyCut
	}
	return errBodyMalformed
}

// bodyStatus is the client's status for a failed body.
func bodyStatus(err error) (int, string) {
	switch err {
	case errBodyTooLarge:
		return fasthttp.StatusRequestEntityTooLarge, "request body too large"
	case errBodyTimeout:
		return fasthttp.StatusRequestTimeout, "request body not received in time"
	case errBodyCut:
		return fasthttp.StatusBadRequest, "request body cut short"
	case errClientGone:
		// nginx's 499: nobody reads it, the access log does.
		return StatusClientClosedRequest, "client closed the request"
	}
	return fasthttp.StatusBadRequest, "malformed request body"
}

// StatusClientClosedRequest is the status logged for a request the client
// gave up before its answer (nginx's 499); it is never sent.
const StatusClientClosedRequest = 499

// drainLimit is how much of an unread body the balancer reads and drops
// after answering by itself, to keep the connection; a longer body, or
// one not yet arrived, closes the connection instead.
const drainLimit = 64 << 10

// drain reads what is left of the body from what has already arrived,
// without waiting for the network, up to drainLimit. It reports whether
// the body ended, so the connection can carry the next request.
func (b *clientBody) drain(buf []byte) bool {
	if b.eof || b.src == nil {
		return true
	}
	if b.err != nil {
		return false
	}
	b.nonBlocking = true
	var total int
	for total < drainLimit && !b.eof && b.err == nil {
		n, _ := b.Read(buf)
		total += n
		if n == 0 && !b.eof {
			break
		}
	}
	return b.eof
}

func isIdempotent(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	return h.IsGet() || h.IsHead() || h.IsOptions() || h.IsPut() || h.IsDelete() || h.IsTrace()
}

// bufferBody reads the request body up to limit into memory, so that it
// can be sent again on a retry and, for a chunked body, so that broken
// chunk framing is refused before anything reaches a member. What it
// read is the outgoing body's head; whole tells whether that is the
// entire body. A body too large to keep is streamed after its head by
// the one attempt that sends it, and cannot be replayed.
func bufferBody(rq *request, limit int64) error {
	in := &rq.in
	rq.out = outBody{rest: in, size: in.want}
	if in.src == nil {
		rq.out.whole = true
		return nil
	}
	if in.want > limit || (in.want < 0 && limit <= 0) {
		return nil
	}
	buf := rq.body[:0]
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := in.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if in.done() {
			rq.body, rq.out.head, rq.out.whole = buf, buf, true
			return nil
		}
		if err != nil {
			rq.body = buf
			return err
		}
	}
	rq.body, rq.out.head = buf, buf
	return nil
}

// finishBody makes sure no byte of this request's body is read as the
// next request: a body the balancer did not read to its end (it answered
// by itself, the member answered early, an attempt failed) is dropped
// from what has already arrived, up to drainLimit, or else the connection
// is closed once the response is written, lingering to read and drop what
// the client still sends so that it gets the response rather than a
// reset.
func (p *Proxy) finishBody(ctx *fasthttp.RequestCtx, rq *request) {
	if rq.in.src == nil && !rq.in.eof {
		rq.in.reset(ctx, 0, p.edge.Load()) // refused before the body was looked at
	}
	if rq.in.done() {
		return
	}
	if ctx.Response.ConnectionClose() {
		lingerOnClose(ctx.Conn()) // a request that cannot be framed safely: never read on
		return
	}
	bp := copyBufs.Get().(*[]byte)
	drained := rq.in.drain(*bp)
	copyBufs.Put(bp)
	if drained {
		return
	}
	ctx.SetConnectionClose()
	lingerOnClose(ctx.Conn())
}
