package config

import (
	"net/netip"
	"strconv"
)

// ParseTrustedProxies turns the trustedproxies entries into prefixes; a
// single address is a prefix of its full length. validateTrustedProxies
// has already refused every entry that does not parse.
func (c *Config) ParseTrustedProxies() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(c.TrustedProxies))
	for _, s := range c.TrustedProxies {
		if p, ok := parseProxy(s); ok {
			out = append(out, p)
		}
	}
	return out
}

func parseProxy(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

func (c *Config) validateTrustedProxies(d *decoder) {
	for i, s := range c.TrustedProxies {
		if _, ok := parseProxy(s); !ok {
			d.add("trustedproxies["+strconv.Itoa(i)+"]", "%q is not an IP address or CIDR (10.0.0.0/8, 192.0.2.7)", s)
		}
	}
}
