package proxy

import (
	"time"

	"github.com/valyala/fasthttp"
)

// Sticky is what stickiness did for a request.
type Sticky uint8

// Sticky outcomes, as the access log and metrics name them.
const (
	StickyNone    Sticky = iota // balancer without stickysession
	StickyNew                   // no session route: the lbmethod chose
	StickyHit                   // the route's member served it
	StickyChanged               // the route's member was unusable: another served it
	StickyMoved                 // served by the member that took the session over earlier
)

var stickyNames = [...]string{"none", "new", "hit", "changed", "moved"}

func (s Sticky) String() string { return stickyNames[s] }

// Record describes one finished request, for observers.
type Record struct {
	Start time.Time
	// Protocol is the client's: "HTTP/1.0", "HTTP/1.1" or "HTTP/2.0".
	Protocol string
	Balancer *Balancer // nil when no route matched
	Member   *Member   // nil when no member answered
	Route    []byte    // session route the request asked for (may be nil)
	Sticky   Sticky
	Status   int
	Attempts int           // members tried
	Upstream time.Duration // time spent with members
	// Reason is set when the balancer answered by itself.
	Reason string
}

// The protocols of clients' requests, as Record.Protocol names them.
const (
	ProtoHTTP10 = "HTTP/1.0"
	ProtoHTTP11 = "HTTP/1.1"
	ProtoHTTP2  = "HTTP/2.0"
)

// Observer sees every finished request (metrics, access log). Done runs on
// the request path: it must be fast and must not keep ctx or r.
type Observer interface {
	Done(ctx *fasthttp.RequestCtx, r *Record)
}
