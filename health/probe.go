package health

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// Every check opens its own connection with a net.Dialer, writes one
// request with fasthttp's Request.Write, parses the answer with
// Response.Read, then closes the connection (request sent with
// "Connection: close", as httpd's hcheck does: backend_cleanup sets
// backend->close). Why not a pooled fasthttp.HostClient per member:
//
//   - A check must prove the member still accepts connections. A
//     keep-alive connection opened before the member's acceptor died keeps
//     answering; the proxy's new connections would not.
//   - A check's whole life is bound to one context: the per-check timeout
//     and Stop both close the socket at once (context.AfterFunc).
//     HostClient takes no context, so Stop would wait out every in-flight
//     check, and a pooled connection idled out by the member would count
//     as a failure or be retried behind our back.
//   - With one request per interval per member, pooling saves one
//     loopback or LAN handshake every few seconds; the HostClient would
//     also add its idle-connection cleaner goroutine per member.

// maxBody bounds how much of a response body a check reads. Reading lets
// the member finish writing before the close (no reset in its logs);
// beyond the bound the status has long been decided.
const maxBody = 64 << 10

// readBufferSize bounds the response head (httpd's hcheck reads header
// lines of up to HUGE_STRING_LEN, 8 KiB).
const readBufferSize = 16 << 10

// Probe checks t once and returns the result. It records nothing: use
// CheckOnce for a check that counts toward a target's health. The check
// ends after t.Spec.Timeout or when ctx is done, whichever comes first.
func (c *Checker) Probe(ctx context.Context, t Target) Result {
	p, err := compile(t, c.tlsConf)
	if err != nil {
		return Result{At: time.Now(), Err: err.Error()}
	}
	return c.run(ctx, p)
}

// run performs one check of p and judges it.
func (c *Checker) run(ctx context.Context, p *plan) Result {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, p.spec.Timeout)
	defer cancel()
	status, phase, err := c.exchange(ctx, p)
	res := Result{At: start, Status: status, Duration: time.Since(start)}
	switch {
	case err != nil && (errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err)):
		res.Err = fmt.Sprintf("%s: timed out after %v", phase, p.spec.Timeout)
	case err != nil && ctx.Err() != nil:
		res.Err = fmt.Sprintf("%s: %v", phase, context.Cause(ctx))
	case err != nil:
		res.Err = fmt.Sprintf("%s: %v", phase, err)
	case p.spec.Method != MethodTCP && !p.spec.Expect(status):
		res.Err = fmt.Sprintf("unexpected status %d", status)
	default:
		res.OK = true
	}
	return res
}

// isTimeout reports whether err is a timeout: the socket deadline, which
// equals the context's, may fire before the context notices.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// exchange connects and, for HTTP methods, sends the request and reads
// the response. It returns the status, and on failure the phase that
// failed with its error.
func (c *Checker) exchange(ctx context.Context, p *plan) (status int, phase string, err error) {
	conn, err := c.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return 0, "connect", err
	}
	defer conn.Close()
	// The deadline gives plain timeouts; the close also ends a check whose
	// parent context is cancelled (Stop, Update) before its deadline. It
	// closes the socket, not a TLS layer that would first send an alert.
	// Waiting for a started close keeps Stop's promise that no goroutine
	// of the Checker outlives it.
	raw, closed := conn, make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		raw.Close()
		close(closed)
	})
	defer func() {
		if !stop() {
			<-closed
		}
	}()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return 0, "connect", err
		}
	}
	if p.spec.Method == MethodTCP {
		return 0, "", nil
	}
	if p.tlsConf != nil {
		tc := tls.Client(conn, p.tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return 0, "tls handshake", err
		}
		conn = tc
	}
	return exchangeHTTP(conn, p)
}

// exchangeHTTP writes the check request on conn and reads the answer.
func exchangeHTTP(conn net.Conn, p *plan) (status int, phase string, err error) {
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	req.Header.SetMethod(p.spec.Method)
	req.Header.SetRequestURI(p.target)
	req.Header.SetHost(p.host)
	req.Header.SetUserAgent(UserAgent)
	req.Header.SetConnectionClose()
	bw := bufio.NewWriterSize(conn, 512)
	if err := req.Write(bw); err != nil {
		return 0, "write request", err
	}
	if err := bw.Flush(); err != nil {
		return 0, "write request", err
	}

	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	resp.SkipBody = p.spec.Method == MethodHEAD
	resp.StreamBody = true
	if err := resp.Read(bufio.NewReaderSize(conn, readBufferSize)); err != nil {
		return 0, "read response", err
	}
	status = resp.StatusCode()
	if body := resp.BodyStream(); body != nil {
		_, err := io.CopyN(io.Discard, body, maxBody)
		resp.CloseBodyStream()
		// A body cut short is a member failing mid-answer (httpd's
		// hc_read_body fails the check too); one longer than maxBody is not.
		if err != nil && err != io.EOF {
			return status, "read body", err
		}
	}
	return status, "", nil
}
