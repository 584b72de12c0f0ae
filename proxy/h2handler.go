package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/valyala/fasthttp"
)

// h2Handler hands each HTTP/2 request to the request path (handle) as a
// fasthttp.RequestCtx, and writes the answer back on its stream. The
// HTTP/2 protocol itself (framing, HPACK, flow control, stream limits and
// the protocol's own attacks) is Go's net/http server's; from the
// request's head on, everything is the one request path HTTP/1.1 takes.
type h2Handler struct{ p *Proxy }

// connKey carries the client's connection in the request's context.
type connKey struct{}

// h2ctx is the pooled state of one HTTP/2 request.
type h2ctx struct {
	ctx  fasthttp.RequestCtx
	head []byte // the request's head in HTTP/1.1 form
	rd   bytes.Reader
	br   *bufio.Reader
}

var h2ctxPool = sync.Pool{New: func() any { return new(h2ctx) }}

func (h h2Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	x := h2ctxPool.Get().(*h2ctx)
	defer h2ctxPool.Put(x)
	// The stream is not pooled: a cancel that started as the request
	// ended may still run after this handler returns.
	s := &tlsStream{stream: stream{client: c, rc: http.NewResponseController(w)}}
	var conn net.Conn = &s.stream
	if tc, ok := c.(*tls.Conn); ok {
		s.tc = tc
		conn = s
	}
	stop := context.AfterFunc(r.Context(), s.cancel)
	defer stop()
	ctx := &x.ctx
	ctx.Init2(conn, fasthttpLogger{h.p.log}, false)
	ctx.Request.Reset()
	ctx.Response.Reset()
	ctx.ResetUserValues()
	defer func() {
		ctx.Request.Reset()
		ctx.Response.Reset()
	}()
	if err := x.toFasthttp(r, &ctx.Request); err != nil {
		// Go's server let through what fasthttp cannot read: refuse it
		// as an unreadable HTTP/1.1 head would be.
		http.Error(w, "400 Bad Request: "+err.Error(), http.StatusBadRequest)
		return
	}
	h.p.handle(ctx)
	writeH2Response(w, r, &ctx.Response)
}

// toFasthttp writes r's head as the HTTP/1.1 head it stands for and has
// fasthttp parse it, so that the request path sees an HTTP/2 request as
// it sees any other, raw header block included: the same checks
// (validate.go) refuse the same heads. The body is r's, as a stream: with
// its content-length, or, without one, as a chunked body would be.
func (x *h2ctx) toFasthttp(r *http.Request, req *fasthttp.Request) error {
	// Go's server refuses line breaks in names and values (RFC 9113
	// §8.2.1); a head written from them must never gain a line, so this
	// does not rely on it.
	if breaksLine(r.Method) || breaksLine(r.RequestURI) || breaksLine(r.Host) {
		return errLineBreak
	}
	b := append(x.head[:0], r.Method...)
	b = append(b, ' ')
	b = append(b, r.RequestURI...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, r.Host...)
	b = append(b, "\r\n"...)
	for k, vs := range r.Header {
		if k == "Content-Length" || k == "Host" {
			continue // the framing is the stream's; the host is :authority
		}
		if breaksLine(k) {
			return errLineBreak
		}
		for _, v := range vs {
			if breaksLine(v) {
				return errLineBreak
			}
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	body := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	switch {
	case !body:
	case r.ContentLength > 0:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, r.ContentLength, 10)
		b = append(b, "\r\n"...)
	default:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	b = append(b, "\r\n"...)
	x.head = b
	x.rd.Reset(b)
	if x.br == nil || x.br.Size() < len(b) {
		x.br = bufio.NewReaderSize(&x.rd, max(len(b), 4096))
	}
	x.br.Reset(&x.rd)
	if err := req.Header.Read(x.br); err != nil {
		return err
	}
	if body {
		req.SetBodyStream(r.Body, int(r.ContentLength))
	}
	return nil
}

var errLineBreak = errors.New("a line break in the request head")

// breaksLine reports whether s holds a CR, LF or NUL.
func breaksLine(s string) bool { return strings.ContainsAny(s, "\r\n\x00") }

// h2Skip are the response headers HTTP/2 forbids (RFC 9113 §8.2.2) or
// that only frame an HTTP/1.1 message.
var h2Skip = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true,
	"Transfer-Encoding": true, "Upgrade": true, "Content-Length": true,
}

// commonNames are response header names as fasthttp and net/http both
// spell them, kept so that copying them allocates nothing.
var commonNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Server", "Set-Cookie",
		"Date", "Cache-Control", "Expires", "Last-Modified", "Etag", "Location", "Vary", "X-Route",
		"Connection", "Transfer-Encoding", "Keep-Alive", "Trailer", "Pragma", "Accept-Ranges", "Age"} {
		m[n] = n
	}
	return m
}()

// writeH2Response writes resp on the stream: head, then the body, a
// streamed one flushed as it arrives from the member.
func writeH2Response(w http.ResponseWriter, r *http.Request, resp *fasthttp.Response) {
	hdr := w.Header()
	n := 0
	for range resp.Header.All() {
		n++
	}
	vals := make([]string, 0, n) // one allocation for every value
	for k, v := range resp.Header.All() {
		name, ok := commonNames[string(k)] // no allocation for the lookup
		if !ok {
			name = http.CanonicalHeaderKey(string(k))
		}
		if h2Skip[name] {
			continue
		}
		vals = append(vals, string(v))
		if have := hdr[name]; have != nil {
			hdr[name] = append(have, vals[len(vals)-1])
		} else {
			hdr[name] = vals[len(vals)-1 : len(vals) : len(vals)]
		}
	}
	if _, ok := hdr["Content-Type"]; !ok {
		hdr["Content-Type"] = nil // no type of Go's sniffing either
	}
	status := resp.StatusCode()
	stream := resp.IsBodyStream()
	switch {
	case noBody(status):
	case stream:
		if n := resp.Header.ContentLength(); n >= 0 {
			hdr.Set("Content-Length", strconv.Itoa(n))
		}
	case resp.SkipBody || r.Method == http.MethodHead:
		if n := resp.Header.ContentLength(); n >= 0 {
			hdr.Set("Content-Length", strconv.Itoa(n))
		}
	default:
		hdr.Set("Content-Length", strconv.Itoa(len(resp.Body())))
	}
	w.WriteHeader(status)
	if noBody(status) || r.Method == http.MethodHead {
		_ = resp.CloseBodyStream()
		return
	}
	if !stream {
		_, _ = w.Write(resp.Body())
		return
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	// A copy cut short (the client reset the stream, the member failed)
	// leaves the member's body unread: closing the stream then closes
	// the member connection instead of pooling it, and gives back the
	// member's slot either way.
	_ = copyFlushed(w, resp.BodyStream(), *bp)
	_ = resp.CloseBodyStream()
}

// copyFlushed copies src to w, flushing after every write, so a member's
// events (server-sent events, long polls) reach the client as they come.
func copyFlushed(w http.ResponseWriter, src io.Reader, buf []byte) error {
	f, _ := w.(http.Flusher)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			if f != nil {
				f.Flush()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
