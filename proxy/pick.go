package proxy

import (
	"balancer/lbmethod"

	"github.com/valyala/fasthttp"
)

// pick chooses the member for a request's first attempt: the session's
// member when it is usable (httpd find_session_route), its redirect member,
// the member that took the session over, else the lbmethod. It returns nil
// with rq.rec.Status set when the request must be refused.
func (b *Balancer) pick(ctx *fasthttp.RequestCtx, target []byte, rq *request) *Member {
	if b.stick == nil {
		rq.rec.Sticky = StickyNone
		return b.balance(rq)
	}
	value, ok := b.spec.FromURL(target)
	if !ok {
		value, ok = b.cookieValue(ctx)
	}
	if !ok {
		rq.rec.Sticky = StickyNew
		b.st.stickyMisses.Add(1)
		return b.balance(rq)
	}
	var route []byte
	rq.sid, route = b.stick.session(b, value)
	rq.rec.Route = route
	// A session that failed over stays on the member that took it over,
	// even when its old member is back, until a member re-issues the
	// cookie with its own route.
	if len(rq.sid) > 0 {
		if moved, found := b.st.moved.Get(rq.sid, b.now()); found {
			if moved == string(route) {
				b.st.moved.Delete(rq.sid)
			} else if m := b.byRoute[moved]; m != nil && m.Usable() {
				rq.rec.Sticky = StickyMoved
				rq.from = string(route)
				b.st.moves.Add(1)
				b.method.Stick(b.views, m.idx)
				return m
			}
		}
	}
	if len(route) == 0 {
		rq.rec.Sticky = StickyNew
		b.st.stickyMisses.Add(1)
		return b.balance(rq)
	}
	if m, redirected := b.routeMember(route); m != nil {
		b.method.Stick(b.views, m.idx)
		if redirected {
			rq.rec.Sticky = StickyChanged
			rq.from = string(route)
			b.st.failovers.Add(1)
		} else {
			rq.rec.Sticky = StickyHit
			b.st.stickyHits.Add(1)
		}
		return m
	}
	if b.hasRoute(route) {
		if b.noFailover {
			rq.rec.Status, rq.rec.Reason = fasthttp.StatusServiceUnavailable, "member unavailable and nofailover is set"
			return nil
		}
		b.st.failovers.Add(1)
	} else {
		b.st.stickyMisses.Add(1)
	}
	m := b.balance(rq)
	if m != nil {
		rq.rec.Sticky = StickyChanged
		rq.from = string(route)
	}
	return m
}

// balance asks the lbmethod for a member not yet tried.
func (b *Balancer) balance(rq *request) *Member {
	if m := b.chooseUntried(rq); m != nil {
		return m
	}
	if b.timeout > 0 {
		if m := b.waitForMember(rq); m != nil {
			return m
		}
	}
	rq.rec.Status, rq.rec.Reason = fasthttp.StatusServiceUnavailable, "no member available"
	b.st.noMember.Add(1)
	return nil
}

// next chooses the member for a retry after m failed: the session's
// redirect member, else the lbmethod over members not yet tried.
func (b *Balancer) next(rq *request) *Member {
	route := rq.rec.Route
	if len(route) > 0 && (rq.rec.Sticky == StickyHit || rq.rec.Sticky == StickyChanged) {
		if m, _ := b.routeMember(route); m != nil && !rq.hasTried(m) {
			return m
		}
		if b.noFailover && b.hasRoute(route) {
			rq.rec.Status, rq.rec.Reason = fasthttp.StatusServiceUnavailable, "member unavailable and nofailover is set"
			return nil
		}
	}
	return b.balance(rq)
}

// choose runs the lbmethod over the members but except; when every member
// is in error and forcerecovery is on, errors are cleared first, as httpd's
// force_recovery does.
func (b *Balancer) choose(except []*lbmethod.Sched) *Member {
	i := b.method.ChooseExcept(b.views, except)
	if i < 0 && b.recover && b.allInError() {
		for _, m := range b.members {
			m.st.clearError()
		}
		i = b.method.ChooseExcept(b.views, except)
	}
	if i < 0 {
		return nil
	}
	return b.members[i]
}

func (b *Balancer) allInError() bool {
	n := 0
	for _, m := range b.members {
		if m.admin&(FlagDisabled|FlagStopped) != 0 {
			continue
		}
		if m.st.flags.Load()&FlagError == 0 {
			return false
		}
		n++
	}
	return n > 0
}
