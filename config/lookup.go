package config

import (
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
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

// Lookup returns the current value of the target of e in c, rendered as
// YAML, and whether the target exists.
func Lookup(c *Config, e Edit) (string, bool) {
	for i := range c.Balancers {
		b := &c.Balancers[i]
		if b.Name != e.Balancer {
			continue
		}
		if e.Add != nil {
			for _, m := range b.Members {
				if m.URL == e.Member {
					return "present", true
				}
			}
			return "", false
		}
		if e.Member == "" {
			return fieldYAML(b, e.Key)
		}
		for j := range b.Members {
			if b.Members[j].URL == e.Member {
				return fieldYAML(&b.Members[j], e.Key)
			}
		}
	}
	return "", false
}

func fieldYAML(ptr any, key string) (string, bool) {
	rv := reflect.ValueOf(ptr).Elem()
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == key {
			b, _ := yaml.Marshal(rv.Field(i).Interface())
			return string(b), true
		}
	}
	return "", false
}
