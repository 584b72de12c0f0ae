package proxy

import (
	"sync"

	"balancer/lbmethod"
)

// request is the per-request scratch space, pooled so that the request
// path allocates nothing in steady state.
type request struct {
	rec  Record
	sid  []byte // session id (sub-slice of the request; valid in the handler)
	from string // route the session asked for when another member serves it
	buf  []byte // scratch for header values
	// target is the client's request-target, kept while attempts rewrite it.
	target []byte
	// body holds the buffered part of the request body (for retries).
	body []byte
	// in reads the client's body; out is the body as attempts send it.
	in  clientBody
	out outBody
	// cookieEnds is scratch for rewriting Set-Cookie headers.
	cookieEnds []int
	// except is scratch for the scheduling state of the members tried.
	except []*lbmethod.Sched
	tried  []*Member
	// replayable: the request body can be sent again.
	replayable bool
	idempotent bool
	// noHost: the client sent no Host (HTTP/1.0); each attempt names its
	// member's host.
	noHost bool
	// cancel is set when the client can give the request up before its
	// answer (an HTTP/2 stream).
	cancel canceller
}

var requestPool = sync.Pool{New: func() any { return &request{buf: make([]byte, 0, 256)} }}

func getRequest() *request { return requestPool.Get().(*request) }

func putRequest(rq *request) {
	rq.rec = Record{}
	rq.sid, rq.from = nil, ""
	rq.buf = rq.buf[:0]
	if cap(rq.body) > 1<<20 {
		rq.body = nil // do not keep large buffers in the pool
	}
	rq.body = rq.body[:0]
	rq.in, rq.out = clientBody{}, outBody{}
	rq.noHost = false
	rq.cancel = nil
	clear(rq.except)
	rq.except = rq.except[:0]
	clear(rq.tried)
	rq.tried = rq.tried[:0]
	requestPool.Put(rq)
}

// exceptTried lists the scheduling state of the members tried, for the
// lbmethod to leave out; by state, as hasTried compares.
func (rq *request) exceptTried() []*lbmethod.Sched {
	rq.except = rq.except[:0]
	for _, t := range rq.tried {
		rq.except = append(rq.except, &t.st.sched)
	}
	return rq.except
}

// hasTried compares members by state: a member chosen after a wait for a
// usable one (balancer timeout) may come from a newer snapshot.
func (rq *request) hasTried(m *Member) bool {
	for _, t := range rq.tried {
		if t.st == m.st {
			return true
		}
	}
	return false
}
