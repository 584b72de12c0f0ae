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
	// Value is the new value as YAML would give it (number, string, list);
	// nil removes the key, so that its default applies.
	Value any `json:"value,omitempty"`
	// Add, when set, adds this member to the balancer (Key is "+member"
	// and Member its URL).
	Add *Member `json:"add,omitempty"`
}

// AddMember returns the edit that adds m to balancer.
func AddMember(balancer string, m Member) Edit {
	return Edit{Balancer: balancer, Member: m.URL, Key: "+member", Add: &m}
}

// memberKey and balancerKey report the keys the manager may change at
// runtime.
func memberKey(k string) bool {
	switch k {
	case "loadfactor", "lbset", "status", "redirect", "route":
		return true
	}
	return false
}

func balancerKey(k string) bool {
	switch k {
	case "lbmethod", "stickysession", "nofailover", "timeout", "maxattempts":
		return true
	}
	return false
}

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
			return nil, Errors{err}
		}
	}
	d := newDecoder("")
	d.edit = true
	c.validate(d)
	if errs := d.result(); errs != nil {
		return nil, errs
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

func (c *Config) apply(e Edit) *FieldError {
	bi := -1
	for i := range c.Balancers {
		if c.Balancers[i].Name == e.Balancer {
			bi = i
		}
	}
	if bi < 0 {
		return &FieldError{Field: "balancers", Msg: fmt.Sprintf("unknown balancer %q", e.Balancer)}
	}
	b := &c.Balancers[bi]
	bp := fmt.Sprintf("balancers[%d]", bi)
	if e.Add != nil {
		m := *e.Add
		m.Status = append([]string(nil), m.Status...)
		m.applyDefaults(givenFields(&m))
		for _, x := range b.Members {
			if x.URL == m.URL {
				return &FieldError{Field: bp + ".members", Msg: fmt.Sprintf("member %q exists", m.URL)}
			}
		}
		b.Members = append(b.Members, m)
		return nil
	}
	if e.Member == "" {
		if !balancerKey(e.Key) {
			return &FieldError{Field: bp + "." + e.Key, Msg: "not editable at runtime"}
		}
		if err := setField(b, e.Key, e.Value, bp); err != nil {
			return err
		}
		if e.Value == nil {
			b.applyDefaults(allBut(e.Key))
		}
		return nil
	}
	for j := range b.Members {
		if b.Members[j].URL == e.Member {
			if !memberKey(e.Key) {
				return &FieldError{Field: fmt.Sprintf("%s.members[%d].%s", bp, j, e.Key), Msg: "not editable at runtime"}
			}
			if err := setField(&b.Members[j], e.Key, e.Value, fmt.Sprintf("%s.members[%d]", bp, j)); err != nil {
				return err
			}
			if e.Value == nil {
				b.Members[j].applyDefaults(allBut(e.Key))
			}
			return nil
		}
	}
	return &FieldError{Field: bp + ".members", Msg: fmt.Sprintf("no member %q", e.Member)}
}

// allBut treats every field as given except key, so that re-applying
// defaults after an edit removed key restores that key's default and
// leaves the other fields, explicit zeros included, as they are.
func allBut(key string) func(string) bool {
	return func(k string) bool { return k != key && !strings.HasPrefix(k, key+".") }
}

// setField decodes v into the field of ptr tagged key, through YAML so
// that durations and the like parse as in the file.
func setField(ptr any, key string, v any, path string) *FieldError {
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
			return &FieldError{Field: path + "." + key, Msg: err.Error()}
		}
		nv := reflect.New(f.Type())
		if err := yaml.Unmarshal(b, nv.Interface()); err != nil {
			return &FieldError{Field: path + "." + key, Msg: decodeMessage(err)}
		}
		f.Set(nv.Elem())
		return nil
	}
	return &FieldError{Field: path + "." + key, Msg: "unknown field"}
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
