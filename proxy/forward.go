package proxy

import (
	"time"

	"github.com/valyala/fasthttp"
)

// handle is the request's life: route table, affinity, member choice,
// forward with retries, response rewrite, counters.
func (p *Proxy) handle(ctx *fasthttp.RequestCtx) {
	rq := getRequest()
	defer p.recoverPanic(ctx, rq)
	rq.rec.Start = time.Now()
	snap := p.snap.Load()
	p.serve(ctx, snap, p.edge.Load(), rq)
	p.finishBody(ctx, rq)
	d := time.Since(rq.rec.Start)
	if m := rq.rec.Member; m != nil {
		m.st.reqs.observe(rq.rec.Status, d)
	} else if b := rq.rec.Balancer; b != nil {
		b.st.refused.observe(rq.rec.Status, d)
	}
	if p.observer != nil {
		p.observer.Done(ctx, &rq.rec)
	}
	putRequest(rq)
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

func (p *Proxy) serve(ctx *fasthttp.RequestCtx, snap *Snapshot, e *edge, rq *request) {
	if status, reason := checkRequest(ctx); status != 0 {
		ctx.SetConnectionClose()
		p.refuse(ctx, rq, status, reason)
		return
	}
	raw := ctx.Request.Header.RequestURI()
	if reason := checkTarget(raw); reason != "" {
		p.refuse(ctx, rq, fasthttp.StatusBadRequest, reason)
		return
	}
	target, status, reason := normalizeTarget(raw, rq.target)
	rq.target = target
	if status != 0 {
		p.refuse(ctx, rq, status, reason)
		return
	}
	rt := snap.match(pathOf(target))
	if rt == nil {
		p.refuse(ctx, rq, fasthttp.StatusNotFound, "no route for this path")
		return
	}
	b := rt.bal
	rq.rec.Balancer = b
	limit := e.bodyLimit(rt)
	rq.in.reset(ctx, limit, e)
	if limit > 0 && rq.in.want > limit {
		p.refuse(ctx, rq, fasthttp.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	m := b.pick(ctx, target, rq)
	if m == nil {
		p.refuse(ctx, rq, rq.rec.Status, rq.rec.Reason)
		return
	}
	if isUpgrade(ctx) {
		p.tunnel(ctx, rt, b, m, rq, e)
		return
	}
	rq.idempotent = isIdempotent(ctx)
	if err := bufferBody(rq, b.retryBuf); err != nil {
		status, reason := bodyStatus(err)
		p.refuse(ctx, rq, status, reason)
		return
	}
	rq.replayable = rq.out.whole
	rq.noHost = len(ctx.Request.Header.Host()) == 0
	prepareRequest(ctx, rq, e)
	p.forward(ctx, rt, b, m, rq)
}

// forward sends the request to m, and on a failure that allows it, to
// further members, up to the balancer's maxattempts.
func (p *Proxy) forward(ctx *fasthttp.RequestCtx, rt *route, b *Balancer, m *Member, rq *request) {
	req, resp := &ctx.Request, &ctx.Response
	var xerr *exchangeError
	for attempt := 0; ; attempt++ {
		rq.tried = append(rq.tried, m)
		rq.rec.Attempts = attempt + 1
		if !m.st.acquire(m.max, m.maxQueue, m.queueTO) {
			xerr = errMemberFull
		} else {
			setTarget(req, rt, m, rq)
			setRouteChanged(req, m, rq)
			if rq.noHost {
				req.Header.SetHost(m.host)
			}
			m.st.sched.Elected.Add(1)
			start := time.Now()
			opts := exchangeOpts{connTO: m.connTO, timeout: m.timeout, idempotent: rq.idempotent, body: &rq.out}
			if rq.idempotent && rq.replayable {
				opts.tryTO = m.tryTO
			}
			var streaming bool
			streaming, xerr = exchange(m.st, req, resp, &opts)
			rq.rec.Upstream += time.Since(start)
			if !streaming {
				m.st.requestDone()
			}
			if xerr == nil {
				p.respond(ctx, rt, b, m, rq)
				return
			}
		}
		p.memberFailed(b, m, xerr)
		if !p.mayRetry(xerr, rq, req) || attempt >= b.attempts {
			break
		}
		next := b.next(rq)
		if next == nil {
			break
		}
		b.st.retries.Add(1)
		if len(rq.rec.Route) > 0 && next.Route != string(rq.rec.Route) {
			if rq.rec.Sticky == StickyHit {
				b.st.failovers.Add(1)
			}
			rq.rec.Sticky = StickyChanged
			rq.from = string(rq.rec.Route)
		}
		m = next
	}
	resp.Reset()
	if xerr != nil && xerr.kind == errClientBody {
		// The client, not the member, failed: it gets the body's status.
		rq.rec.Member = nil
		status, reason := bodyStatus(xerr.err)
		p.refuse(ctx, rq, status, reason)
		return
	}
	status, reason := errorStatus(xerr)
	p.refuse(ctx, rq, status, reason)
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

var errMemberFull = &exchangeError{kind: errFull, err: errFullErr}

// respond finishes a successful exchange: failonstatus, hop-by-hop and
// reverse rewriting, stickiness bookkeeping.
func (p *Proxy) respond(ctx *fasthttp.RequestCtx, rt *route, b *Balancer, m *Member, rq *request) {
	resp := &ctx.Response
	status := resp.StatusCode()
	rq.rec.Member, rq.rec.Status = m, status
	m.st.requests.Add(1)
	if m.st.flags.Load()&FlagError != 0 {
		m.st.clearError()
		m.st.retries.Add(1)
		if p.log != nil {
			p.log.Info("member recovered", "balancer", b.Name, "route", m.Route, "url", m.URL)
		}
	}
	if status < len(b.failOn) && b.failOn[status] && m.admin&FlagIgnoreErrors == 0 {
		m.st.markError(m.retry, "failonstatus "+statusText(status))
	}
	cleanResponse(ctx, rq)
	if rt.reverse {
		reverseRewrite(ctx, rt, m, rq)
	}
	b.afterResponse(ctx, m, rq)
}
