package proxy

import (
	"errors"
	"io"
	"net"

	"github.com/valyala/fasthttp"
)

// attempt readies one attempt of the request on m, for an exchange and a
// tunnel alike: m counts as tried, takes one of its slots (max, maxqueue;
// requestDone gives it back), and the request is addressed to it: the
// target under the member's path, its host when the client sent no Host,
// and the route-changed header. It reports false when m had no slot.
func (rq *request) attempt(req *fasthttp.Request, rt *route, m *Member) bool {
	rq.tried = append(rq.tried, m)
	rq.rec.Attempts = len(rq.tried)
	if !m.st.acquire(m.max, m.maxQueue, m.queueTO) {
		return false
	}
	setTarget(req, rt, m, rq)
	// A sticky request moved away from its route's member says so
	// (DESIGN.md §4).
	if rq.from != "" && rq.from != m.Route {
		req.Header.Set(HeaderRouteChanged, rq.from)
	} else {
		req.Header.Del(HeaderRouteChanged)
	}
	if rq.noHost {
		req.Header.SetHost(m.host)
	}
	m.st.sched.Elected.Add(1)
	return true
}

// memberFailed applies httpd's passive failure detection: a member that
// could not be connected to, or did not answer in time, is in error for its
// retry time, unless it ignores errors.
func (p *Proxy) memberFailed(b *Balancer, m *Member, xerr *exchangeError) {
	if m.admin&FlagIgnoreErrors != 0 || xerr.kind == errClientBody {
		return
	}
	switch xerr.kind {
	case errDial, errTryTimeout:
	case errTimeout:
		if !b.failOnTO {
			m.st.errors.Add(1)
			return
		}
	default:
		m.st.errors.Add(1)
		return
	}
	wasOK := m.st.flags.Load()&FlagError == 0
	m.st.markError(m.retry, xerr.Error())
	if wasOK && p.log != nil {
		p.log.Warn("member in error", "balancer", b.Name, "route", m.Route, "url", m.URL,
			"retry", m.retry.String(), "error", xerr.Error())
	}
}

// mayRetry says whether a failed attempt may go to another member: a
// connection never established always may (the body was not consumed); an
// idempotent request whose body we still have may after a timeout or a
// connection dropped before any response byte. Nothing is retried once
// response bytes reached the client, which cannot happen here: the
// response is only written after the exchange succeeded.
func (p *Proxy) mayRetry(xerr *exchangeError, rq *request, req *fasthttp.Request) bool {
	switch xerr.kind {
	case errDial, errFull:
		return true
	case errTryTimeout, errDropped:
		return rq.idempotent && rq.replayable
	}
	return false
}

// errMemberFull is the failure of an attempt on a member with no free
// slot (max, maxqueue): it may go to another member at once.
var errMemberFull = &exchangeError{kind: errFull, err: errors.New("member at its max concurrent requests")}

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

// errorStatus maps a failed exchange to the client's status: timeouts 504,
// everything else 502, no member at all 503 (oxy's StdHandler mapping).
func errorStatus(x *exchangeError) (int, string) {
	if x == nil {
		return fasthttp.StatusServiceUnavailable, "no member available"
	}
	switch x.kind {
	case errTimeout, errTryTimeout:
		return fasthttp.StatusGatewayTimeout, "the member did not answer in time"
	case errFull:
		return fasthttp.StatusServiceUnavailable, "every member is at its limit of concurrent requests"
	case errDial:
		return fasthttp.StatusServiceUnavailable, "no member could be reached"
	}
	return fasthttp.StatusBadGateway, "the member's response was invalid or cut short"
}

// setTarget writes the request-target for member m: the route's prefix is
// replaced by the member URL's path, as httpd's ProxyPass does (route /shop
// with member http://h/app sends /shop/cart to /app/cart).
func setTarget(req *fasthttp.Request, rt *route, m *Member, rq *request) {
	if rt.path == "" && m.path == "" {
		req.SetRequestURIBytes(rq.target)
		return
	}
	rest := rq.target[len(rt.path):]
	out := append(rq.buf[:0], m.path...)
	if len(out) == 0 && (len(rest) == 0 || rest[0] != '/') {
		out = append(out, '/')
	}
	out = append(out, rest...)
	rq.buf = out
	req.SetRequestURIBytes(out)
}
