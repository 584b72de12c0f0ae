package proxy

import (
	"time"

	"github.com/valyala/fasthttp"
)

// forward sends the request to m, and on a failure that allows it, to
// further members, up to the balancer's maxattempts.
func (p *Proxy) forward(ctx *fasthttp.RequestCtx, rt *route, b *Balancer, m *Member, rq *request) {
	req, resp := &ctx.Request, &ctx.Response
	var xerr *exchangeError
	for attempt := 0; ; attempt++ {
		if !rq.attempt(req, rt, m) {
			xerr = errMemberFull
		} else {
			start := time.Now()
			opts := exchangeOpts{connTO: m.connTO, timeout: m.timeout, idempotent: rq.idempotent, body: &rq.out, cancel: rq.cancel}
			if rq.idempotent && rq.replayable {
				opts.tryTO = m.tryTO
			}
			var streaming bool
			streaming, xerr = ops.exchange(m.st, req, resp, &opts)
			rq.rec.Upstream += time.Since(start)
			if !streaming {
				m.st.requestDone()
			}
			if xerr == nil {
				p.respond(ctx, rt, b, m, rq)
				return
			}
			if rq.cancel != nil && rq.cancel.Gone() {
				// The client went; the member did not fail.
				xerr = &exchangeError{errClientBody, errClientGone}
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
