package proxy

import (
	"bufio"
	"errors"
	"strconv"
	"sync"

	"github.com/valyala/fasthttp"
)

// The request as it goes out to a member. The head is fasthttp's; the
// body is written here rather than by fasthttp.Request.Write, for three
// reasons: the client's body stream must survive a first attempt (a
// buffered prefix, then the rest of the stream, without fasthttp
// releasing the stream under us), the framing is the balancer's own (a
// body read whole goes out with Content-Length, one still arriving goes
// out chunked, so a client's lax chunk syntax never reaches a member),
// and a failure to read from the client must be told from a failure to
// write to the member.

// outBody is the body of one request as the attempts send it.
type outBody struct {
	// head is the part of the body read before the first attempt; when
	// whole, it is the entire body.
	head  []byte
	whole bool
	// rest streams what follows head; it is read by one attempt only.
	rest *clientBody
	// size is the client's Content-Length, or -1 for a chunked body.
	size int64
}

// errClientSide marks a write that failed because the client's body
// could not be read; the body's own error says why.
var errClientSide = errors.New("reading the client's body failed")

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writeRequest writes req's head with framing for body, then the body.
func writeRequest(bw *bufio.Writer, req *fasthttp.Request, body *outBody) error {
	h := &req.Header
	// A request without a Content-Type goes on without one (fasthttp
	// would add its default to a request with a body).
	h.SetNoDefaultContentType(true)
	switch {
	case body == nil:
	case body.whole && len(body.head) == 0 && h.ContentLength() == -2:
		// No body and no framing from the client (a GET): none to the
		// member either, rather than a Content-Length: 0 it never sent.
	case body.whole:
		h.SetContentLength(len(body.head))
	case body.size >= 0:
		h.SetContentLength(int(body.size))
	default:
		h.SetContentLength(-1) // Transfer-Encoding: chunked
	}
	if _, err := bw.Write(h.Header()); err != nil {
		return err
	}
	if body == nil {
		return nil
	}
	chunked := !body.whole && body.size < 0
	if err := writeBodyPart(bw, body.head, chunked); err != nil {
		return err
	}
	if body.whole {
		return nil
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		n, rerr := body.rest.Read(buf)
		if n > 0 {
			if err := writeBodyPart(bw, buf[:n], chunked); err != nil {
				return err
			}
		}
		if body.rest.done() {
			break
		}
		if rerr != nil {
			return errClientSide
		}
	}
	if chunked {
		_, err := bw.WriteString("0\r\n\r\n")
		return err
	}
	return nil
}

func writeBodyPart(bw *bufio.Writer, p []byte, chunked bool) error {
	if len(p) == 0 {
		return nil
	}
	if chunked {
		var hex [16]byte
		if _, err := bw.Write(strconv.AppendInt(hex[:0], int64(len(p)), 16)); err != nil {
			return err
		}
		if _, err := bw.WriteString("\r\n"); err != nil {
			return err
		}
	}
	if _, err := bw.Write(p); err != nil {
		return err
	}
	if chunked {
		_, err := bw.WriteString("\r\n")
		return err
	}
	return nil
}
