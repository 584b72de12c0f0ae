package convert

import (
	"net"
	"strconv"
	"strings"
)

// outListener is one entry of the result's listen list.
type outListener struct {
	at       pos
	addr     string
	cert     string
	key      string
	redirect bool
}

// splitHostPort splits httpd's [addr:]port forms, IPv6 in brackets.
func splitHostPort(s string) (host, port string) {
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i >= 0 {
			host, rest := s[:i+1], s[i+1:]
			return host, strings.TrimPrefix(rest, ":")
		}
		return s, ""
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:]
	}
	if _, err := strconv.Atoi(s); err == nil {
		return "", s
	}
	return s, ""
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536 && p[0] != '0'
}

// listenDirective handles Listen [addr:]port [protocol].
func (c *converter) listenDirective(at pos, name string, args []string) {
	if len(args) == 0 {
		c.warn(at, "%s without an address: ignored", name)
		return
	}
	host, port := splitHostPort(args[0])
	if !validPort(port) {
		c.warn(at, "%s %s: not a port: ignored", name, args[0])
		return
	}
	if host == "*" {
		host = ""
	}
	https := port == "443"
	if len(args) > 1 {
		https = strings.EqualFold(args[1], "https")
	}
	addr := host + ":" + port
	if _, _, err := net.SplitHostPort(addr); err != nil || strings.Count(host, ":") > 0 && !strings.HasPrefix(host, "[") {
		c.warn(at, "%s %s: not an address (an IPv6 address is written in brackets): ignored", name, args[0])
		return
	}
	for _, l := range c.listens {
		if l.addr == addr {
			c.warn(at, "%s %s: already at %s: ignored", name, args[0], ref(at, l.at))
			return
		}
	}
	n, _ := strconv.Atoi(port)
	switch {
	case host == "" && n < 1024:
		c.warn(at, "%s %s: written as %q, every IPv4 and IPv6 address as in httpd; a port below 1024 needs CAP_NET_BIND_SERVICE (deploy/systemd/balancer.service grants it)", name, args[0], addr)
	case host == "":
		c.warn(at, "%s %s: written as %q, every IPv4 and IPv6 address as in httpd (write 127.0.0.1%s to keep it local)", name, args[0], addr, addr)
	case n < 1024:
		c.warn(at, "%s %s: a port below 1024 needs CAP_NET_BIND_SERVICE (deploy/systemd/balancer.service grants it)", name, args[0])
	}
	c.listens = append(c.listens, &listen{at: at, addr: addr, port: port, https: https})
}

// virtualHost starts a <VirtualHost addr:port …> block.
func (c *converter) virtualHost(at pos, args []string) *vhost {
	vh := &vhost{at: at}
	for _, a := range args {
		_, port := splitHostPort(a)
		if port == "*" || !validPort(port) {
			port = ""
		}
		vh.ports = append(vh.ports, port)
	}
	if len(vh.ports) == 0 {
		vh.ports = []string{""}
	}
	c.vhosts = append(c.vhosts, vh)
	return vh
}

// sslDirective handles the mod_ssl directives that make a TLS listener.
func (c *converter) sslDirective(at pos, f *frame, name string, args []string) {
	lname := strings.ToLower(name)
	arg := ""
	if len(args) > 0 {
		arg = args[0]
	}
	vh := f.vh
	switch lname {
	case "sslengine":
		vh.ssl = strings.EqualFold(arg, "on")
	case "sslcertificatefile":
		if vh.cert != "" && vh.cert != arg {
			c.warn(at, "%s %s: a second certificate (for another key type): only %s is used", name, arg, vh.cert)
			return
		}
		vh.cert, vh.certAt = arg, at
	case "sslcertificatekeyfile":
		vh.key = arg
	case "sslcertificatechainfile":
		c.warn(at, "%s %s is not carried over: append the chain to the certificate file", name, arg)
	case "sslprotocol", "sslciphersuite", "sslhonorcipherorder", "sslopensslconfcmd":
		if vh != c.main {
			c.warn(at, "%s is not carried over: TLS listeners use Go's defaults (TLS 1.2 and 1.3, modern cipher suites)", name)
		}
	case "sslproxyverify", "sslproxycheckpeername", "sslproxycheckpeercn", "sslproxycheckpeerexpire":
		if v := strings.ToLower(arg); v == "none" || v == "off" || v == "optional_no_ca" {
			c.warn(at, "%s %s is not carried over: members' certificates are verified against the system's roots", name, arg)
		}
	case "sslproxycacertificatefile", "sslproxycacertificatepath", "sslproxymachinecertificatefile", "sslproxymachinecertificatepath":
		c.warn(at, "%s %s is not carried over: members' certificates are verified against the system's roots, and no client certificate is sent", name, arg)
	}
}

// redirect handles Redirect and RedirectMatch: a virtual host that sends
// everything to https becomes a listener with redirecthttps.
func (c *converter) redirect(at pos, f *frame, name string, args []string) {
	if len(args) > 0 {
		switch strings.ToLower(args[0]) {
		case "permanent", "temp", "seeother", "gone", "301", "302", "303", "307", "308":
			args = args[1:]
		}
	}
	whole := false
	if len(args) == 2 {
		switch strings.ToLower(name) {
		case "redirectmatch":
			whole = strings.HasPrefix(args[0], "^") && strings.Contains(args[0], "(.*)")
		default:
			whole = args[0] == "/"
		}
	}
	if whole && strings.HasPrefix(strings.ToLower(args[1]), "https://") && f.loc == nil && f.vh != c.main {
		f.vh.redirect = true
		return
	}
	c.warn(at, "%s %s is not carried over (the balancer redirects only whole listeners to https)", name, strings.Join(args, " "))
}

// listeners settles the listen list: httpd's Listen lines, with TLS and
// redirects taken from the virtual hosts on their ports.
func (c *converter) listeners() []outListener {
	var out []outListener
	ls := c.listens
	if len(ls) == 0 {
		seen := map[string]bool{}
		for _, vh := range c.vhosts {
			for _, p := range vh.ports {
				if p != "" && !seen[p] {
					seen[p] = true
					c.warn(vh.at, "no Listen directive in the file (ports.conf is often separate): listening on %q, the port of this <VirtualHost>", ":"+p)
					ls = append(ls, &listen{at: vh.at, addr: ":" + p, port: p, https: p == "443"})
				}
			}
		}
	}
	if len(ls) == 0 {
		c.warn(pos{}, "no Listen directive: the result listens on 127.0.0.1:8080; change listen")
		return []outListener{{addr: "127.0.0.1:8080"}}
	}
	for _, l := range ls {
		o := outListener{at: l.at, addr: l.addr}
		var tlsHost *vhost
		redirect := false
		for _, vh := range c.vhosts {
			if !vh.on(l.port) {
				continue
			}
			if vh.ssl && vh.cert != "" {
				switch {
				case tlsHost == nil:
					tlsHost = vh
				case tlsHost.cert != vh.cert:
					c.warn(vh.certAt, "a second certificate on port %s (%s): one certificate per listener here, %s is used", l.port, vh.cert, tlsHost.cert)
				}
			}
			redirect = redirect || vh.redirect && vh.routes == 0 && !vh.ssl
		}
		if tlsHost == nil && l.https && c.main.ssl && c.main.cert != "" {
			tlsHost = c.main
		}
		switch {
		case tlsHost != nil:
			o.cert, o.key = tlsHost.cert, tlsHost.key
			if o.key == "" {
				o.key = o.cert // httpd reads the key from the certificate file then
			}
		case l.https:
			c.warn(l.at, "Listen on port %s is https, but no SSLEngine on with an SSLCertificateFile was found for it: written without TLS (add tls: {cert, key})", l.port)
		case redirect:
			o.redirect = true
		}
		out = append(out, o)
	}
	return out
}

// on reports whether the virtual host answers on port.
func (vh *vhost) on(port string) bool {
	for _, p := range vh.ports {
		if p == "" || p == port {
			return true
		}
	}
	return false
}
