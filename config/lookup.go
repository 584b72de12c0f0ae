package config

import (
	"slices"
	"strings"
)

// Balancer returns the balancer named name, or nil.
func (c *Config) Balancer(name string) *Balancer {
	for i := range c.Balancers {
		if c.Balancers[i].Name == name {
			return &c.Balancers[i]
		}
	}
	return nil
}

// Member returns the member whose URL is url, or nil. A member's identity
// is its balancer's name and its URL.
func (b *Balancer) Member(url string) *Member {
	for i := range b.Members {
		if b.Members[i].URL == url {
			return &b.Members[i]
		}
	}
	return nil
}

// MemberByRoute returns the member whose route is route, or nil.
func (b *Balancer) MemberByRoute(route string) *Member {
	if route == "" {
		return nil
	}
	for i := range b.Members {
		if b.Members[i].Route == route {
			return &b.Members[i]
		}
	}
	return nil
}

// StickyNames splits stickysession into the cookie name and the URL path
// or query parameter name ("" when the balancer gives none).
func (b *Balancer) StickyNames() (cookie, param string) {
	cookie, param, _ = strings.Cut(b.StickySession, "|")
	return cookie, param
}

// Separator returns the byte between session id and route, and false when
// stickysessionsep is off (the whole value is the route).
func (b *Balancer) Separator() (byte, bool) {
	if strings.EqualFold(b.StickySessionSep, "off") || b.StickySessionSep == "" {
		return 0, false
	}
	return b.StickySessionSep[0], true
}

// Has reports whether the member's status list holds flag.
func (m *Member) Has(flag string) bool { return slices.Contains(m.Status, flag) }
