package proxy

import (
	"net/netip"
	"time"

	"balancer/config"
)

// edge holds the settings of the client side that a reload replaces as a
// whole: body limits and timeouts, and whose forwarded headers are
// believed.
type edge struct {
	maxBody     int64 // limits.maxbodysize; 0: none
	bodyTimeout time.Duration
	bodyMinRate int64
	trusted     []netip.Prefix // nil: every client's X-Forwarded-For is kept
}

func newEdge(c *config.Config) *edge {
	return &edge{
		maxBody:     int64(c.Limits.MaxBodySize),
		bodyTimeout: c.Limits.BodyTimeout.D(),
		bodyMinRate: int64(c.Limits.BodyMinRate),
		trusted:     c.ParseTrustedProxies(),
	}
}

// bodyLimit is the body size limit of a request on rt: the route's when
// it sets one (as a location's client_max_body_size overrides the
// server's in nginx), else limits.maxbodysize.
func (e *edge) bodyLimit(rt *route) int64 {
	if rt.maxBody > 0 {
		return rt.maxBody
	}
	return e.maxBody
}

// trustsPeer reports whether the forwarded headers the peer sent are
// believed: always when no trustedproxies are configured (httpd keeps
// and appends), else only from a listed address.
func (e *edge) trustsPeer(ip netip.Addr) bool {
	if len(e.trusted) == 0 {
		return true
	}
	ip = ip.Unmap()
	for _, p := range e.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
