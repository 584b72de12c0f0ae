package proxy

import (
	"time"

	"balancer/config"

	"github.com/valyala/fasthttp"
)

// Stickiness: how a request's session finds its member, and how a
// member's answer is remembered. The stickymode is chosen once, when the
// snapshot is built (newStickiness); the request path calls the bound
// mode instead of comparing the mode's name on every request.

// stickiness is one stickymode. Its implementations hold no state: the
// tables live in the balancer's state.
type stickiness interface {
	// session splits the sticky value a request carries into the session
	// id and the route it asks for (nil when none is known).
	session(b *Balancer, value []byte) (sid, route []byte)
	// sessionOf is the session id of a cookie value a member set.
	sessionOf(b *Balancer, value []byte) []byte
	// issued returns the session cookie value the member's response sets
	// (nil when it deletes it), and whether it sets the cookie at all.
	issued(b *Balancer, ctx *fasthttp.RequestCtx) (value []byte, set bool)
	// remember records what the member's answer tells about the session.
	remember(b *Balancer, ctx *fasthttp.RequestCtx, m *Member, rq *request, issued []byte, hasSet, answered bool, now time.Time)
}

// newStickiness binds a balancer's stickymode; nil without stickiness.
func newStickiness(stickySession, mode string) stickiness {
	switch {
	case mode == config.StickyInsert:
		return insertMode{}
	case stickySession == "":
		return nil
	case mode == config.StickyLearn:
		return learnMode{}
	}
	return routeMode{}
}

var (
	_ stickiness = routeMode{}
	_ stickiness = insertMode{}
	_ stickiness = learnMode{}
)

// routeMode is httpd's stickiness: the route is the suffix of the
// application's session id (JSESSIONID=<id>.node1).
type routeMode struct{}

func (routeMode) session(b *Balancer, value []byte) (sid, route []byte) {
	return b.spec.SessionID(value), b.spec.Route(value)
}

func (routeMode) sessionOf(b *Balancer, value []byte) []byte { return b.spec.SessionID(value) }

func (routeMode) issued(b *Balancer, ctx *fasthttp.RequestCtx) ([]byte, bool) {
	v := ctx.Response.Header.PeekCookie(b.spec.Cookie())
	if len(v) == 0 {
		return nil, false
	}
	val, deleted, ok := b.spec.FromSetCookie(v)
	if !ok {
		return nil, false
	}
	if deleted {
		return nil, true
	}
	return val, true
}

// remember keeps a session that failed over on the member that took it,
// in the moved-session table.
func (routeMode) remember(b *Balancer, ctx *fasthttp.RequestCtx, m *Member, rq *request, issued []byte, hasSet, answered bool, now time.Time) {
	if answered && rq.rec.Sticky == StickyChanged && b.hasRoute(rq.rec.Route) &&
		(issued == nil || string(b.spec.Route(issued)) != m.Route) {
		sid := string(rq.sid)
		b.st.moved.Put(sid, m.Route, now)
		if b.sync != nil {
			b.sync.PutSession(b.Name, TableMoved, sid, m.Route, now.Add(b.lifetime))
		}
	}
}

// insertMode is for applications that tag nothing: the balancer sets its
// own route cookie (httpd's ROUTEID recipe) and reads the route back from
// it, so the session id part is empty.
type insertMode struct{ routeMode }

func (insertMode) issued(*Balancer, *fasthttp.RequestCtx) ([]byte, bool) { return nil, false }

func (insertMode) remember(b *Balancer, ctx *fasthttp.RequestCtx, m *Member, rq *request, _ []byte, _, _ bool, _ time.Time) {
	if rq.rec.Sticky != StickyHit || string(rq.rec.Route) != m.Route {
		b.setRouteCookie(ctx, m, rq)
	}
}

// learnMode learns session id → route from the members' Set-Cookie: the
// whole cookie value is the session id.
type learnMode struct{ routeMode }

func (learnMode) session(b *Balancer, value []byte) (sid, route []byte) {
	if r, found := b.learnedRoute(value); found {
		return value, []byte(r)
	}
	return value, nil
}

func (learnMode) sessionOf(_ *Balancer, value []byte) []byte { return value }

func (learnMode) remember(b *Balancer, _ *fasthttp.RequestCtx, m *Member, rq *request, issued []byte, hasSet, _ bool, now time.Time) {
	if hasSet {
		if issued == nil {
			b.st.learned.Delete(rq.sid)
		} else if r, found := b.st.learned.Get(issued, now); !found || r != m.Route {
			sid := string(issued)
			b.st.learned.Put(sid, m.Route, now)
			if b.sync != nil {
				b.sync.PutSession(b.Name, TableLearned, sid, m.Route, now.Add(b.lifetime))
			}
		}
	}
}

// cookieValue finds the sticky cookie in every Cookie header, first wins.
func (b *Balancer) cookieValue(ctx *fasthttp.RequestCtx) ([]byte, bool) {
	for _, h := range ctx.Request.Header.PeekAll(fasthttp.HeaderCookie) {
		if v, ok := b.spec.FromCookie(h); ok {
			return v, true
		}
	}
	return nil, false
}

// learnedRoute looks a session id up in the learned table, asking the other
// replicas (within the store's budget) on a local miss.
func (b *Balancer) learnedRoute(sid []byte) (string, bool) {
	now := b.now()
	if r, ok := b.st.learned.Get(sid, now); ok {
		return r, true
	}
	if b.sync == nil {
		return "", false
	}
	key := string(sid)
	r, ok := b.sync.GetSession(b.Name, TableLearned, key)
	if ok {
		b.st.learned.PutUntil(key, r, now.Add(b.lifetime))
	}
	return r, ok
}

// afterResponse keeps stickiness tables up to date from a member's
// response: the moved-session table after a failover, the learned table
// from Set-Cookie, the insert-mode cookie, and the sessions each member
// holds. Entries keyed by what a client sent are written only on the
// member's word (issue 13): a session counts as moved when its route names
// a member and the member that took it answered with success without
// issuing another session, and as held by a member when the member issued
// it or answered it so; a made-up id the member replaces writes nothing.
// What is left (an application that accepts any id) is bounded by the
// tables' size and the store's write budget.
func (b *Balancer) afterResponse(ctx *fasthttp.RequestCtx, m *Member, rq *request) {
	if b.stick == nil {
		return
	}
	now := b.now()
	issued, hasSet := b.stick.issued(b, ctx)
	answered := len(rq.sid) > 0 && ctx.Response.StatusCode() < 400 &&
		(!hasSet || (issued != nil && string(b.stick.sessionOf(b, issued)) == string(rq.sid)))
	b.stick.remember(b, ctx, m, rq, issued, hasSet, answered, now)
	// A session the member issued counts for it at once, unless the
	// member issued it in place of an id it did not know: that one counts
	// when the client comes back with it, so made-up ids move nothing.
	var held []byte
	switch {
	case hasSet && issued == nil && len(rq.sid) > 0:
		// The app ended the session (a logout that deletes its cookie):
		// the member no longer holds it, so a draining member can become
		// safe to stop before the window ends.
		b.st.seen.Delete(rq.sid)
	case issued != nil:
		if id := b.stick.sessionOf(b, issued); len(rq.sid) == 0 || string(id) == string(rq.sid) {
			held = id
		}
	case answered:
		held = rq.sid
	}
	// The window runs from the session's last request, so a session
	// that stays active on a draining member keeps it from being safe
	// to stop however long it lasts.
	if len(held) > 0 {
		m.st.lastSession.Store(now.UnixNano())
		if !b.st.seen.Touch(held, m.Route, now) {
			b.st.seen.Put(string(held), m.Route, now)
		}
	}
}

// setRouteCookie adds insert mode's route cookie (httpd's ROUTEID recipe:
// the value is the separator and the route, so the route is what follows
// the separator).
func (b *Balancer) setRouteCookie(ctx *fasthttp.RequestCtx, m *Member, rq *request) {
	c := fasthttp.AcquireCookie()
	defer fasthttp.ReleaseCookie(c)
	c.SetKey(b.cookieName)
	v := append(rq.buf[:0], b.spec.Separator()...)
	v = append(v, m.Route...)
	rq.buf = v[:0]
	c.SetValueBytes(v)
	c.SetPath("/")
	c.SetHTTPOnly(true)
	c.SetSameSite(fasthttp.CookieSameSiteLaxMode)
	c.SetSecure(ctx.IsTLS())
	ctx.Response.Header.SetCookie(c)
}

// member returns the member serving route, following redirect routes when
// it is unusable (httpd find_route_worker, bounded against loops, PR 59864).
func (b *Balancer) routeMember(route []byte) (m *Member, redirected bool) {
	m = b.byRoute[string(route)]
	for i := 0; m != nil && i <= len(b.members); i++ {
		if m.Usable() {
			return m, i > 0
		}
		if m.Redirect == "" {
			return nil, false
		}
		m = b.byRoute[m.Redirect]
	}
	return nil, false
}

// hasRoute reports whether route names a member of the balancer.
func (b *Balancer) hasRoute(route []byte) bool {
	_, ok := b.byRoute[string(route)]
	return ok
}
