package managerui

import (
	"net"
	"strings"

	"github.com/valyala/fasthttp"
)

// hostGuard is the defence against DNS rebinding: a page on another site
// whose name the attacker points at the manager's address reaches the
// manager with that site's name in Host. What the manager serves without
// credentials it serves only under Host names it knows to be its own: loopback names and
// addresses, the address of its listener (and the local address the
// connection reached), and manager.hosts. A rebinding page can only use a
// name the attacker controls, never one of these.
type hostGuard struct {
	names map[string]bool // lower case, no trailing dot
}

// newHostGuard knows listen's host (unless it is a wildcard) and hosts.
func newHostGuard(listen string, hosts []string) *hostGuard {
	g := &hostGuard{names: map[string]bool{}}
	if h, _, err := net.SplitHostPort(listen); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			g.names[normalHost(h)] = true
		}
	}
	for _, h := range hosts {
		g.names[normalHost(h)] = true
	}
	return g
}

// allows reports whether the request's Host is one of the manager's own
// names. A request without Host (HTTP/1.0 tools) is no browser's and passes.
func (g *hostGuard) allows(ctx *fasthttp.RequestCtx) bool {
	raw := string(ctx.Host())
	if raw == "" {
		return true
	}
	h := raw
	if host, _, err := net.SplitHostPort(raw); err == nil {
		h = host
	}
	h = normalHost(h)
	if g.names[h] || h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	if ip == nil {
		return false
	}
	return ip.IsLoopback() || ip.Equal(ctx.LocalIP())
}

// normalHost lower-cases h and drops IPv6 brackets and a trailing dot
// ("localhost." is "localhost").
func normalHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// misdirected answers a request for a name the manager does not answer
// to: 421, with nothing of the manager in the body (no nonce, no cookie).
func (m *Manager) misdirected(ctx *fasthttp.RequestCtx) {
	m.log.Debug("manager request for a foreign Host refused", "remote", ctx.RemoteIP().String())
	ctx.SetStatusCode(fasthttp.StatusMisdirectedRequest)
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.SetConnectionClose()
	ctx.SetBodyString("421 misdirected request: this balancer-manager does not answer to that host name; " +
		"use its address, or add the name to manager.hosts (or configure manager.auth)\n")
}
