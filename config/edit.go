package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Edit is one manager change: a balancer-level or member-level key set to
// a new value, or a member added. Edits are what the manager applies, what
// replicas share, and what manager.persist writes into the file.
type Edit struct {
	Balancer string `json:"balancer"`
	// Member is the member's URL; "" for a balancer-level edit.
	Member string `json:"member,omitempty"`
	// Key is the YAML key ("loadfactor", "status", "lbmethod", …).
	Key string `json:"key"`
	// Value is the new value as YAML would give it (number, string, list).
	Value any `json:"value,omitempty"`
	// Add, when set, adds this member to the balancer (Key is "+member"
	// and Member its URL).
	Add *Member `json:"add,omitempty"`
}

// AddMember returns the edit that adds m to balancer.
func AddMember(balancer string, m Member) Edit {
	return Edit{Balancer: balancer, Member: m.URL, Key: "+member", Add: &m}
}

// Editable keys: what the manager may change at runtime.
var (
	memberKeys   = map[string]bool{"loadfactor": true, "lbset": true, "status": true, "redirect": true, "route": true}
	balancerKeys = map[string]bool{"lbmethod": true, "stickysession": true, "nofailover": true, "timeout": true, "maxattempts": true}
)

// WithEdits returns a copy of base with edits applied, validated as a
// whole: all apply, or an error names the first field at fault.
func WithEdits(base *Config, edits []Edit) (*Config, error) {
	if len(edits) == 0 {
		return base, nil
	}
	c, err := clone(base)
	if err != nil {
		return nil, err
	}
	for _, e := range edits {
		if err := c.apply(e); err != nil {
			return nil, err
		}
	}
	x := &index{lines: map[string]int{}}
	c.validate(x)
	if len(x.errs) > 0 {
		return nil, x.errs
	}
	return c, nil
}

func clone(c *Config) (*Config, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	out := &Config{}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, err
	}
	out.File = c.File
	return out, nil
}

func (c *Config) apply(e Edit) error {
	bi := -1
	for i := range c.Balancers {
		if c.Balancers[i].Name == e.Balancer {
			bi = i
		}
	}
	if bi < 0 {
		return fmt.Errorf("unknown balancer %q", e.Balancer)
	}
	b := &c.Balancers[bi]
	bp := fmt.Sprintf("balancers[%d]", bi)
	if e.Add != nil {
		m := *e.Add
		m.applyDefaults(m.LoadFactor != 0)
		for _, x := range b.Members {
			if x.URL == m.URL {
				return fmt.Errorf("%s.members: member %q exists", bp, m.URL)
			}
		}
		b.Members = append(b.Members, m)
		return nil
	}
	if e.Member == "" {
		if !balancerKeys[e.Key] {
			return fmt.Errorf("%s.%s: not editable at runtime", bp, e.Key)
		}
		return setField(b, e.Key, e.Value, bp)
	}
	for j := range b.Members {
		if b.Members[j].URL == e.Member {
			if !memberKeys[e.Key] {
				return fmt.Errorf("%s.members[%d].%s: not editable at runtime", bp, j, e.Key)
			}
			return setField(&b.Members[j], e.Key, e.Value, fmt.Sprintf("%s.members[%d]", bp, j))
		}
	}
	return fmt.Errorf("%s: no member %q", bp, e.Member)
}

// setField decodes v into the field of ptr tagged key, through YAML so
// that durations and the like parse as in the file.
func setField(ptr any, key string, v any, path string) error {
	rv := reflect.ValueOf(ptr).Elem()
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != key {
			continue
		}
		f := rv.Field(i)
		if v == nil {
			f.Set(reflect.Zero(f.Type()))
			return nil
		}
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s.%s: %v", path, key, err)
		}
		nv := reflect.New(f.Type())
		if err := yaml.Unmarshal(b, nv.Interface()); err != nil {
			return fmt.Errorf("%s.%s: %v", path, key, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		f.Set(nv.Elem())
		return nil
	}
	return fmt.Errorf("%s.%s: unknown field", path, key)
}

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
