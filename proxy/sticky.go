package proxy

import (
	"time"

	"github.com/valyala/fasthttp"
)

// afterResponse keeps stickiness tables up to date from a member's
// response: the moved-session table after a failover, the learned table
// from Set-Cookie, the insert-mode cookie, and the recently-seen sessions.
func (b *Balancer) afterResponse(ctx *fasthttp.RequestCtx, m *Member, rq *request) {
	if !b.sticky {
		return
	}
	now := time.Now()
	switch b.mode {
	case "insert":
		if rq.rec.Sticky != StickyHit || string(rq.rec.Route) != m.Route {
			b.setRouteCookie(ctx, m, rq)
		}
	case "learn":
		if v := ctx.Response.Header.PeekCookie(b.spec.Cookie()); len(v) > 0 {
			if val, deleted, ok := b.spec.FromSetCookie(v); ok {
				if deleted {
					b.st.learned.Delete(val)
				} else if r, found := b.st.learned.Get(val, now); !found || r != m.Route {
					sid := string(val)
					b.st.learned.Put(sid, m.Route, now)
					if b.sync != nil {
						b.sync.PutSession(b.Name, TableLearned, sid, m.Route, now.Add(b.lifetime))
					}
				}
			}
		}
	default:
		if len(rq.sid) > 0 && rq.rec.Sticky == StickyChanged && b.hasRoute(rq.rec.Route) && !b.reissued(ctx, m) {
			sid := string(rq.sid)
			b.st.moved.Put(sid, m.Route, now)
			if b.sync != nil {
				b.sync.PutSession(b.Name, TableMoved, sid, m.Route, now.Add(b.lifetime))
			}
		}
	}
	if len(rq.sid) > 0 {
		if b.endsSession(ctx) {
			// The app ended the session (a logout that deletes its
			// cookie): the member no longer holds it, so a draining
			// member can become safe to stop before the window ends.
			b.st.seen.Delete(rq.sid)
		} else if r, found := b.st.seen.Get(rq.sid, now); !found || r != m.Route {
			b.st.seen.Put(string(rq.sid), m.Route, now)
		}
	} else if b.mode == "route" {
		// A session the member just issued is held by it from now on: a
		// draining member that hands out sessions is not safe to stop.
		if v := ctx.Response.Header.PeekCookie(b.spec.Cookie()); len(v) > 0 {
			if val, deleted, ok := b.spec.FromSetCookie(v); ok && !deleted {
				if sid := b.spec.SessionID(val); len(sid) > 0 {
					b.st.seen.Put(string(sid), m.Route, now)
				}
			}
		}
	}
}

// endsSession reports whether the member's response deletes the session
// cookie.
func (b *Balancer) endsSession(ctx *fasthttp.RequestCtx) bool {
	v := ctx.Response.Header.PeekCookie(b.spec.Cookie())
	if len(v) == 0 {
		return false
	}
	_, deleted, ok := b.spec.FromSetCookie(v)
	return ok && deleted
}

// reissued reports whether the member's response sets the session cookie
// with its own route, in which case later requests stick to it anyway.
func (b *Balancer) reissued(ctx *fasthttp.RequestCtx, m *Member) bool {
	v := ctx.Response.Header.PeekCookie(b.spec.Cookie())
	if len(v) == 0 {
		return false
	}
	val, deleted, ok := b.spec.FromSetCookie(v)
	return ok && !deleted && string(b.spec.Route(val)) == m.Route
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
